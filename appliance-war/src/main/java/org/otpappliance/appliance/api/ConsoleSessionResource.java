package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.AdminAccountService;
import org.otpappliance.appliance.application.AuditLog;
import org.otpappliance.appliance.application.ConsoleSessions;

/**
 * Console login and logout. The session id travels only in an HttpOnly, SameSite=Strict cookie
 * (Secure when the request came over TLS); the CSRF token is handed to the page in the answer.
 */
@Path("console/session")
@Produces(MediaType.APPLICATION_JSON)
@Access(Access.Level.CONSOLE)
public class ConsoleSessionResource extends Caller {
    @Inject
    AdminAccountService admins;

    @Inject
    ConsoleSessions sessions;

    @Inject
    AuditLog audit;

    /** The page's view of its session. */
    public record SessionInfo(String admin, String user, String csrfToken, long idleTimeoutSeconds) {
    }

    @POST
    @Access(Access.Level.PUBLIC)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Log in to the console", description = "Body {\"username\",\"password\",\"code\"}; sets the session cookie")
    public Response login(InputStream body) {
        JsonBody json = JsonBody.read(body, "username", "password", "code");
        String username = json.requiredString("username");
        String password = json.requiredString("password");
        String code = json.requiredString("code");
        if (username.length() > 255 || password.length() > 1024 || code.length() > ValidateServlet.MAX_CODE_LENGTH) {
            throw ProblemException.badRequest("invalid-field", "username, password or code is too long");
        }
        Optional<AdminAccountService.Admin> admin = admins.login(username, password, code, source());
        if (admin.isEmpty()) {
            // One answer for an unknown name, a wrong password and a wrong, replayed or locked code.
            return Problem.response(401, "login-failed", "Login failed", "the name, password or code is not right");
        }
        ConsoleSessions.Started started = sessions.start(admin.get());
        return Response.ok(info(started.session())).header(HttpHeaders.SET_COOKIE, cookie(started.id(), false)).build();
    }

    @GET
    public SessionInfo current() {
        return info((ConsoleSessions.Session) request.getProperty(ApiKeyFilter.PRINCIPAL));
    }

    @DELETE
    public Response logout() {
        ConsoleSessions.Session s = (ConsoleSessions.Session) request.getProperty(ApiKeyFilter.PRINCIPAL);
        Cookie cookie = request.getCookies().get(ConsoleSessionFilter.COOKIE);
        sessions.end(cookie.getValue());
        audit.admin(actor(), "CONSOLE_LOGOUT", s.user(), null, "OK", null, source());
        return Response.noContent().header(HttpHeaders.SET_COOKIE, cookie("", true)).build();
    }

    private SessionInfo info(ConsoleSessions.Session s) {
        return new SessionInfo(s.admin(), s.user(), s.csrfToken(), sessions.idleTimeoutSeconds());
    }

    /** Written by hand: JAX-RS's NewCookie would do SameSite only from 3.1, and Secure must follow the request. */
    private String cookie(String value, boolean expire) {
        return ConsoleSessionFilter.COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict"
                + (http.isSecure() ? "; Secure" : "") + (expire ? "; Max-Age=0" : "");
    }
}
