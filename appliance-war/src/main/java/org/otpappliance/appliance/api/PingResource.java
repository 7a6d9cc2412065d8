package org.otpappliance.appliance.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The cheapest JAX-RS endpoint there is: the baseline the validation benchmark is measured against. */
@Path("ping")
@Access(Access.Level.PUBLIC)
public class PingResource {
    @GET
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(summary = "Answers \"pong\"; no key needed, touches nothing")
    public String ping() {
        return "pong";
    }
}
