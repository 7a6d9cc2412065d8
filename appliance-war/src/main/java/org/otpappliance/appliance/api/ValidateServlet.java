package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.otpappliance.appliance.application.ClientService;
import org.otpappliance.appliance.application.ClientService.Principal;
import org.otpappliance.appliance.application.PamLogins;
import org.otpappliance.appliance.application.ValidationService;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;

/**
 * {@code POST /api/v1/validate}, the hot path: "is this code right for this user, now?". A servlet, not a JAX-RS
 * resource: JAX-RS (routing, HK2 and Weld per request) costs more per request than the servlet container under it,
 * and this is the one endpoint whose rate matters; as a servlet it answers about 1.5 times as many validations a
 * second (bench/rest-validate.sh, docs/performance.md). It answers as
 * the JAX-RS resources do: the same API keys ({@link ApiKeyFilter#caller}), the same strict body
 * ({@link JsonBody}), the same problem details ({@link ProblemMappers#of}); it is described in the OpenAPI document
 * by {@code META-INF/openapi.yaml}.
 */
@WebServlet("/api/v1/validate")
public class ValidateServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The PAM bridge protocol's limit too (docs/pam-bridge-protocol.md), so a login host never meets a stricter one. */
    static final int MAX_CODE_LENGTH = 1024;
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());
    private static final byte[] REJECTED = utf8(JSON.createObjectBuilder().add("result", "REJECT")
            .add("message", "the code is not accepted").build().toString());
    /** For a PAM bridge when the appliance allows it (otp.appliance.pam.nullok): the user has no token. */
    private static final byte[] NOT_ENROLLED = utf8(JSON.createObjectBuilder().add("result", "REJECT").add("enrolled", false)
            .add("message", "the code is not accepted").build().toString());
    private static final Problem.Details METHOD_NOT_ALLOWED = new Problem.Details(405, "method-not-allowed", "Method Not Allowed", null);
    private static final Problem.Details UNSUPPORTED_MEDIA_TYPE = new Problem.Details(415, "unsupported-media-type",
            "Unsupported Media Type", null);
    private static final Problem.Details NOT_ACCEPTABLE = new Problem.Details(406, "not-acceptable", "Not Acceptable", null);

    @Inject
    transient ValidationService validation;

    @Inject
    transient ClientService clients;

    @Inject
    transient ApplianceConfig config;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"POST".equals(request.getMethod())) {
            response.setHeader("Allow", "POST");
            METHOD_NOT_ALLOWED.write(response);
            return;
        }
        if (!json(request.getContentType())) {
            UNSUPPORTED_MEDIA_TYPE.write(response);
            return;
        }
        if (!acceptsJson(request.getHeader("Accept"))) {
            NOT_ACCEPTABLE.write(response);
            return;
        }
        Optional<Principal> caller = ApiKeyFilter.caller(request.getHeader("Authorization"), clients);
        if (caller.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer");
            ApiKeyFilter.UNAUTHORIZED.write(response);
            return;
        }
        byte[] answer;
        try {
            answer = answer(request, caller.get());
        } catch (RuntimeException e) {
            ProblemMappers.of(e).write(response);
            return;
        }
        response.setContentType("application/json");
        response.setContentLength(answer.length);
        response.getOutputStream().write(answer);
    }

    private byte[] answer(HttpServletRequest request, Principal caller) throws IOException {
        JsonBody json = JsonBody.read(request.getInputStream(), "user", "code", "transactionId", "pam");
        String user = json.requiredString("user");
        String code = json.requiredString("code");
        if (user.length() > 255 || code.length() > MAX_CODE_LENGTH) {
            throw ProblemException.badRequest("invalid-field", "user or code is too long");
        }
        String actor = caller.name();
        String source = request.getRemoteAddr();
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
            return utf8(JSON.createObjectBuilder().add("result", "ACCEPT").add("serial", a.serial()).add("message", "the code is accepted")
                    .build().toString());
        }
        if (result instanceof VerificationResult.Challenge c) {
            return utf8(JSON.createObjectBuilder().add("result", "CHALLENGE").add("transactionId", c.transactionId())
                    .add("message", c.message()).build().toString());
        }
        if (pam != null && config.pamNullok() && PamLogins.notEnrolled(result)) {
            return NOT_ENROLLED;
        }
        VerificationResult.Rejected r = (VerificationResult.Rejected) result;
        return r.message() == null ? REJECTED
                : utf8(JSON.createObjectBuilder().add("result", "REJECT").add("message", r.message()).build().toString());
    }

    /** What JAX-RS's {@code @Consumes(APPLICATION_JSON)} takes: application/json (or a wildcard) with any parameters, or no type. */
    static boolean json(String contentType) {
        if (contentType == null) {
            return true;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("application/*") || type.equals("*/*");
    }

    /** Whether an {@code Accept} header lets the answer be JSON, as JAX-RS's {@code @Produces(APPLICATION_JSON)} decides. */
    static boolean acceptsJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return true;
        }
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            boolean excluded = false;
            for (int i = 1; i < parts.length; i++) {
                excluded |= parts[i].strip().replace(" ", "").matches("q=0(\\.0*)?");
            }
            if (!excluded && json(parts[0])) {
                return true;
            }
        }
        return false;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
