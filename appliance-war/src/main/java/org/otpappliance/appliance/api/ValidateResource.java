package org.otpappliance.appliance.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.ValidationMetrics;
import org.otpappliance.appliance.application.ValidationService;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;

/** The hot path: one instance for all requests (the request's context comes in as parameters). */
@Path("validate")
@Access(Access.Level.VALIDATE)
@ApplicationScoped
public class ValidateResource {
    static final int MAX_CODE_LENGTH = 256;

    @Inject
    ValidationService validation;

    /** The container's request-scoped proxy: cheaper than a @Context parameter resolved per call. */
    @Inject
    HttpServletRequest http;

    /** The answer; {@code serial} only on ACCEPT, {@code transactionId} only on CHALLENGE. */
    public record Answer(String result, String serial, String transactionId, String message) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Is this code right for this user, now?",
            description = "Body {\"user\",\"code\",\"transactionId\"?}. Unknown users and wrong codes get the same REJECT.")
    public Answer validate(InputStream body) {
        JsonBody json = JsonBody.read(body, "user", "code", "transactionId");
        String user = json.requiredString("user");
        String code = json.requiredString("code");
        if (user.length() > 255 || code.length() > MAX_CODE_LENGTH) {
            throw ProblemException.badRequest("invalid-field", "user or code is too long");
        }
        VerificationResult result = validation.validate(new VerificationRequest(user, code, json.optionalString("transactionId"),
                VerificationRequest.EntryPoint.REST, http.getRemoteAddr()), Caller.actor(http.getAttribute(ApiKeyFilter.PRINCIPAL)));
        if (result instanceof VerificationResult.Accepted a) {
            return new Answer("ACCEPT", a.serial(), null, "the code is accepted");
        }
        if (result instanceof VerificationResult.Challenge c) {
            return new Answer("CHALLENGE", null, c.transactionId(), c.message());
        }
        return new Answer(ValidationMetrics.outcome(result), null, null, "the code is not accepted");
    }
}
