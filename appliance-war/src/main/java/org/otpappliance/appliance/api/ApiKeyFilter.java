package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;
import org.otpappliance.appliance.application.ClientService;
import org.otpappliance.appliance.application.ClientService.Principal;
import org.otpappliance.appliance.application.ClientService.Role;
import org.otpappliance.appliance.application.ConsoleSessions;

/**
 * Checks {@code Authorization: Bearer <api key>} and the key's role against the resource method's
 * {@link Access}. The level is worked out once per method when the application starts, so a
 * request pays only for the key lookup.
 */
final class ApiKeyFilter implements ContainerRequestFilter {
    /** The request property (a servlet request attribute too) that holds the caller's {@link Principal}. */
    static final String PRINCIPAL = "otp-appliance.principal";
    private static final String BEARER = "Bearer ";
    /** Sent with {@code WWW-Authenticate: Bearer}. */
    static final Problem.Details UNAUTHORIZED = new Problem.Details(401, "unauthorized", "Unauthorized",
            "a valid API key is required: Authorization: Bearer <key>");

    private final Access.Level needed;
    private final ClientService clients;

    private ApiKeyFilter(Access.Level needed, ClientService clients) {
        this.needed = needed;
        this.clients = clients;
    }

    /** Puts an {@link ApiKeyFilter} (a {@link ConsoleSessionFilter} for the console's) in front of every resource method that is not public. */
    @Provider
    public static class Binding implements DynamicFeature {
        @Inject
        ClientService clients;

        @Inject
        ConsoleSessions sessions;

        @Override
        public void configure(ResourceInfo resource, FeatureContext context) {
            Access a = resource.getResourceMethod().getAnnotation(Access.class);
            if (a == null) {
                a = resource.getResourceClass().getAnnotation(Access.class);
            }
            Access.Level level = a == null ? Access.Level.ADMIN : a.value();
            if (level == Access.Level.CONSOLE) {
                context.register(new ConsoleSessionFilter(sessions), Priorities.AUTHENTICATION);
            } else if (level != Access.Level.PUBLIC) {
                context.register(new ApiKeyFilter(level, clients), Priorities.AUTHENTICATION);
            }
        }
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Optional<Principal> principal = caller(request.getHeaderString(HttpHeaders.AUTHORIZATION), clients);
        if (principal.isEmpty()) {
            request.abortWith(Response.fromResponse(UNAUTHORIZED.response()).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
            return;
        }
        if (needed == Access.Level.ADMIN && principal.get().role() != Role.ADMIN) {
            request.abortWith(Problem.response(403, "forbidden", "Forbidden", "this API key may only validate"));
            return;
        }
        request.setProperty(PRINCIPAL, principal.get());
    }

    /** The client whose key an {@code Authorization} header carries; empty without a header, or with an unknown key. */
    static Optional<Principal> caller(String authorization, ClientService clients) {
        return authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? clients.authenticate(authorization.substring(BEARER.length()).strip())
                : Optional.empty();
    }
}
