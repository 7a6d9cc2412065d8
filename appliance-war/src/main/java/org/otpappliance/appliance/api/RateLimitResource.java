package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.RateLimits;

/** The users and sources refused for too many failures, and lifting such a refusal early. */
@Path("rate-limits")
@Produces(MediaType.APPLICATION_JSON)
public class RateLimitResource extends Caller {
    @Inject
    RateLimits limits;

    @Inject
    Clock clock;

    /** A closed window: {@code kind} "user" or "source", its name, the failures counted, refused until (ISO-8601). */
    public record Closed(String kind, String name, int failures, String until) {
    }

    @GET
    @Operation(summary = "Users and sources refused now for too many failures",
            description = "Across all nodes. ?limit= (default 100, at most 1000).")
    public List<Closed> list(@QueryParam("limit") String limit) {
        return limits.closedNow(clock.millis(), Paging.limit(limit)).stream()
                .map(c -> new Closed(c.kind(), c.name(), c.failures(), Instant.ofEpochMilli(c.until()).toString())).toList();
    }

    @DELETE
    @Path("{kind}/{name}")
    @Operation(summary = "Forget the failures of a user or a source", description = "kind is user or source; every node lets "
            + "it in again at once. 404 when no failures are counted for it.")
    public Response lift(@PathParam("kind") String kind, @PathParam("name") String name) {
        RateLimits.Kind k = RateLimits.Kind.parse(kind)
                .orElseThrow(() -> ProblemException.badRequest("invalid-kind", "kind is user or source"));
        limits.lift(new RateLimits.Key(k, name), actor(), source());
        return Response.noContent().build();
    }
}
