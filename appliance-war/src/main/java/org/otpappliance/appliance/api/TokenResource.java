package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.TokenService;
import org.otpappliance.appliance.application.TokenService.Enrolled;
import org.otpappliance.appliance.application.TokenService.TokenInfo;

@Path("tokens")
@Produces(MediaType.APPLICATION_JSON)
public class TokenResource extends Caller {
    @Inject
    TokenService tokens;

    /** The enrollment answer: the token, plus its otpauth URI and QR code, which are never shown again. */
    public record EnrollAnswer(String serial, String type, String user, String algorithm, Integer digits, Integer period,
                               String publicId, String destination, String otpauthUri, String qrPng) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Enroll a TOTP, HOTP, YubiKey, SMS or e-mail token",
            description = "Body {\"user\",\"type\":\"totp|hotp\",\"secret\"? (Base32),\"algorithm\"?,\"digits\"?,\"period\"?,"
                    + "\"counter\"?,\"description\"?}: the seed is generated unless a secret is given. For a YubiKey in Yubico OTP "
                    + "mode: {\"user\",\"type\":\"yubico\",\"publicId\" (modhex),\"privateId\" (12 hex),\"aesKey\" (32 hex),"
                    + "\"description\"?}. SMS and e-mail tokens: {\"user\",\"type\":\"sms\",\"phone\" (E.164)} and "
                    + "{\"user\",\"type\":\"email\",\"email\"}. Any type takes an optional \"pin\".")
    public Response enroll(InputStream body) {
        EnrollAnswer answer = answer(tokens.enroll(enrollment(body), actor(), source()));
        return Response.created(UriBuilder.fromPath("/api/v1/tokens/{serial}").build(answer.serial())).entity(answer).build();
    }

    /** The enrollment body of any token type, read the same for the admin API and the console. */
    static TokenService.Enrollment enrollment(InputStream body) {
        JsonBody json = JsonBody.read(body, "user", "type", "secret", "algorithm", "digits", "period", "counter", "description",
                "publicId", "privateId", "aesKey", "phone", "email", "pin");
        String publicId = json.optionalString("publicId");
        String privateId = json.optionalString("privateId");
        String aesKey = json.optionalString("aesKey");
        TokenService.YubiKey yubiKey = publicId == null && privateId == null && aesKey == null ? null
                : new TokenService.YubiKey(publicId, privateId, aesKey);
        return new TokenService.Enrollment(json.requiredString("user"), json.requiredString("type"),
                json.optionalString("secret"), json.optionalString("algorithm"), json.optionalInt("digits"),
                json.optionalInt("period"), json.optionalLong("counter"), json.optionalString("description"), yubiKey,
                json.optionalString("phone"), json.optionalString("email"), json.optionalString("pin"));
    }

    static EnrollAnswer answer(Enrolled e) {
        TokenInfo t = e.token();
        return new EnrollAnswer(t.serial(), t.type(), t.user(), t.algorithm(), t.digits(), t.period(), t.publicId(), t.destination(),
                e.otpauthUri(), e.qrPng());
    }

    @GET
    public List<TokenInfo> list(@QueryParam("user") String user) {
        if (user == null || user.isEmpty()) {
            throw ProblemException.badRequest("missing-parameter", "query parameter \"user\" is required");
        }
        return tokens.list(user);
    }

    @GET
    @Path("{serial}")
    public TokenInfo get(@PathParam("serial") String serial) {
        return tokens.get(serial);
    }

    @DELETE
    @Path("{serial}")
    public Response delete(@PathParam("serial") String serial) {
        tokens.delete(serial, actor(), source());
        return Response.noContent().build();
    }

    @POST
    @Path("{serial}/disable")
    public TokenInfo disable(@PathParam("serial") String serial) {
        return tokens.setEnabled(serial, false, actor(), source());
    }

    @POST
    @Path("{serial}/enable")
    public TokenInfo enable(@PathParam("serial") String serial) {
        return tokens.setEnabled(serial, true, actor(), source());
    }

    @PUT
    @Path("{serial}/pin")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set or remove the token's PIN", description = "Body {\"pin\"} (4 to 32 characters), or {\"pin\":null} "
            + "to remove it. With a PIN the user types the PIN and then the code, in one field.")
    public TokenInfo setPin(@PathParam("serial") String serial, InputStream body) {
        return tokens.setPin(serial, pin(body), actor(), source());
    }

    /** The PIN body, {"pin"} or {"pin":null}: the new PIN, or null to remove it. */
    static String pin(InputStream body) {
        JsonBody json = JsonBody.read(body, "pin");
        if (!json.has("pin")) {
            throw ProblemException.badRequest("missing-field", "field \"pin\" is required (null removes the PIN)");
        }
        return json.optionalString("pin");
    }

    @POST
    @Path("{serial}/unlock")
    public TokenInfo unlock(@PathParam("serial") String serial) {
        return tokens.unlock(serial, actor(), source());
    }

    @POST
    @Path("{serial}/resync")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Resynchronise from two consecutive codes", description = "Body {\"code1\",\"code2\"}")
    public TokenInfo resync(@PathParam("serial") String serial, InputStream body) {
        ResyncCodes codes = ResyncCodes.read(body);
        return tokens.resync(serial, codes.code1(), codes.code2(), actor(), source());
    }

    /** The resynchronisation body {"code1","code2"}: two consecutive codes, read the same for the admin API and the console. */
    record ResyncCodes(String code1, String code2) {
        static ResyncCodes read(InputStream body) {
            JsonBody json = JsonBody.read(body, "code1", "code2");
            return new ResyncCodes(json.requiredString("code1"), json.requiredString("code2"));
        }
    }
}
