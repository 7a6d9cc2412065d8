package org.otpappliance.appliance.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import org.otpappliance.appliance.application.AdminAccountService;
import org.otpappliance.appliance.application.ClientService.Principal;
import org.otpappliance.appliance.application.ConsoleSessions;

/** What resources know of the caller: the API client's name or console admin (the audit actor) and the source address. */
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
        if (principal instanceof ConsoleSessions.Session s) {
            return AdminAccountService.actor(s.admin());
        }
        return principal instanceof Principal p ? p.name() : "anonymous";
    }

    String source() {
        return http.getRemoteAddr();
    }
}
