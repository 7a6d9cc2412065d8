package org.otpappliance.appliance.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import java.util.Optional;
import java.util.Set;
import org.otpappliance.appliance.application.ConsoleSessions;

/**
 * The console API's door: a live session cookie, and on every request that may change something
 * (anything but GET and HEAD) the session's CSRF token in the {@value #CSRF_HEADER} header. A
 * cross-site page can make the browser send the cookie (were it not SameSite=Strict), never the header.
 */
final class ConsoleSessionFilter implements ContainerRequestFilter {
    static final String COOKIE = "otpa_console";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD");

    private final ConsoleSessions sessions;

    ConsoleSessionFilter(ConsoleSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Cookie cookie = request.getCookies().get(COOKIE);
        Optional<ConsoleSessions.Session> session = sessions.touch(cookie == null ? null : cookie.getValue());
        if (session.isEmpty()) {
            request.abortWith(Problem.response(401, "console-login-required", "Unauthorized",
                    "log in to the console first (the session may have timed out)"));
            return;
        }
        if (!SAFE_METHODS.contains(request.getMethod()) && !session.get().csrfMatches(request.getHeaderString(CSRF_HEADER))) {
            request.abortWith(Problem.response(403, "csrf-token-invalid", "Forbidden",
                    "a console request that changes something must carry the session's " + CSRF_HEADER + " header"));
            return;
        }
        request.setProperty(ApiKeyFilter.PRINCIPAL, session.get());
    }
}
