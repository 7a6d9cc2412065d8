package org.otpappliance.appliance.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import org.otpappliance.appliance.application.ClientService.Principal;

/** What resources know of the caller: the API client's name (the audit actor) and the source address. */
abstract class Caller {
    @Context
    ContainerRequestContext request;

    @Context
    HttpServletRequest http;

    String actor() {
        return actor(request.getProperty(ApiKeyFilter.PRINCIPAL));
    }

    /** The audit actor for what {@link ApiKeyFilter} stored as the request's principal. */
    static String actor(Object principal) {
        return principal instanceof Principal p ? p.name() : "anonymous";
    }

    String source() {
        return http.getRemoteAddr();
    }
}
