package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.AuditEvent;
import org.otpappliance.appliance.application.AuditLog;

@Path("audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    @Inject
    AuditLog audit;

    @GET
    @Operation(summary = "Query the audit log, newest first",
            description = "Filters: user, serial, action, result, entryPoint, from and to (ISO-8601 instants); offset, limit")
    public List<AuditEvent> query(@QueryParam("user") String user, @QueryParam("serial") String serial,
                                  @QueryParam("action") String action, @QueryParam("result") String result,
                                  @QueryParam("entryPoint") String entryPoint,
                                  @QueryParam("from") String from, @QueryParam("to") String to,
                                  @QueryParam("offset") String offset,
                                  @QueryParam("limit") String limit) {
        return audit.query(new AuditLog.Filter(user, serial, action, result, entryPoint, instant("from", from), instant("to", to),
                Paging.offset(offset), Paging.limit(limit)));
    }

    static Long instant(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("invalid-parameter", name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }
}
