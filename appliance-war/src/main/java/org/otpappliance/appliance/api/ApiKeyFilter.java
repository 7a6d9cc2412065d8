package org.otpappliance.appliance.api;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;
import org.otpappliance.appliance.application.ClientService;
import org.otpappliance.appliance.application.ClientService.Principal;
import org.otpappliance.appliance.application.ClientService.Role;

/** Checks {@code Authorization: Bearer <api key>} and the key's role against the resource's {@link Access}. */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyFilter implements ContainerRequestFilter {
    static final String PRINCIPAL = "otp-appliance.principal";
    private static final String BEARER = "Bearer ";

    @Inject
    ClientService clients;

    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request) {
        Access.Level needed = needed();
        if (needed == Access.Level.PUBLIC) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Optional<Principal> principal = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? clients.authenticate(header.substring(BEARER.length()).strip())
                : Optional.empty();
        if (principal.isEmpty()) {
            Response r = Problem.response(401, "unauthorized", "Unauthorized", "a valid API key is required: Authorization: Bearer <key>");
            request.abortWith(Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
            return;
        }
        if (needed == Access.Level.ADMIN && principal.get().role() != Role.ADMIN) {
            request.abortWith(Problem.response(403, "forbidden", "Forbidden", "this API key may only validate"));
            return;
        }
        request.setProperty(PRINCIPAL, principal.get());
    }

    private Access.Level needed() {
        if (resource == null || resource.getResourceMethod() == null) {
            return Access.Level.ADMIN;
        }
        Access a = resource.getResourceMethod().getAnnotation(Access.class);
        if (a == null) {
            a = resource.getResourceClass().getAnnotation(Access.class);
        }
        return a == null ? Access.Level.ADMIN : a.value();
    }
}
