package org.otpappliance.appliance.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;
import java.io.InputStream;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.otpappliance.appliance.application.PamLogins;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.application.ValidationService;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;

/** The hot path: one instance for all requests (the request's context comes in as parameters). */
@Path("validate")
@Access(Access.Level.VALIDATE)
@ApplicationScoped
public class ValidateResource {
    /** The PAM bridge protocol's limit too (docs/pam-bridge-protocol.md), so a login host never meets a stricter one. */
    static final int MAX_CODE_LENGTH = 1024;
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());
    private static final String REJECTED = JSON.createObjectBuilder().add("result", "REJECT")
            .add("message", "the code is not accepted").build().toString();
    /** For a PAM bridge when the appliance allows it (otp.appliance.pam.nullok): the user has no token. */
    private static final String NOT_ENROLLED = JSON.createObjectBuilder().add("result", "REJECT").add("enrolled", false)
            .add("message", "the code is not accepted").build().toString();

    @Inject
    ValidationService validation;

    @Inject
    ApplianceConfig config;

    /** The container's request-scoped proxy: cheaper than a @Context parameter resolved per call. */
    @Inject
    HttpServletRequest http;

    /**
     * The answer's shape, for the OpenAPI document: {@code serial} only on ACCEPT, {@code transactionId}
     * only on CHALLENGE. Written with JSON-P rather than bound with JSON-B: binding cost ~15% of the
     * validation throughput (bench/rest-validate.sh).
     */
    public record Answer(String result, String serial, String transactionId, String message) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Is this code right for this user, now?",
            description = "Body {\"user\",\"code\",\"transactionId\"?}. Unknown users and wrong codes get the same REJECT. "
                    + "An empty code asks for an SMS or e-mail code (CHALLENGE with a transactionId) when the user has such a "
                    + "token; the next request answers it with the code and that transactionId.")
    @APIResponse(responseCode = "200", description = "The decision",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Answer.class)))
    public String validate(InputStream body) {
        JsonBody json = JsonBody.read(body, "user", "code", "transactionId", "pam");
        String user = json.requiredString("user");
        String code = json.requiredString("code");
        if (user.length() > 255 || code.length() > MAX_CODE_LENGTH) {
            throw ProblemException.badRequest("invalid-field", "user or code is too long");
        }
        String actor = Caller.actor(http.getAttribute(ApiKeyFilter.PRINCIPAL));
        String source = http.getRemoteAddr();
        VerificationRequest.EntryPoint entryPoint = VerificationRequest.EntryPoint.REST;
        // A PAM bridge on a login host forwards a login: the audit log records it as one.
        JsonBody pam = json.optionalObject("pam", "service", "host", "rhost", "tty");
        if (pam != null) {
            entryPoint = VerificationRequest.EntryPoint.PAM;
            actor = PamLogins.actor(pam.optionalString("service"), pam.optionalString("host"), pam.optionalString("tty")) + " via " + actor;
            source = PamLogins.source(pam.optionalString("rhost"), source);
        }
        VerificationResult result = validation.validate(new VerificationRequest(user, code, json.optionalString("transactionId"),
                entryPoint, source), actor);
        if (result instanceof VerificationResult.Accepted a) {
            return JSON.createObjectBuilder().add("result", "ACCEPT").add("serial", a.serial()).add("message", "the code is accepted")
                    .build().toString();
        }
        if (result instanceof VerificationResult.Challenge c) {
            return JSON.createObjectBuilder().add("result", "CHALLENGE").add("transactionId", c.transactionId())
                    .add("message", c.message()).build().toString();
        }
        if (pam != null && config.pamNullok() && PamLogins.notEnrolled(result)) {
            return NOT_ENROLLED;
        }
        VerificationResult.Rejected r = (VerificationResult.Rejected) result;
        return r.message() == null ? REJECTED
                : JSON.createObjectBuilder().add("result", "REJECT").add("message", r.message()).build().toString();
    }
}
