package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.otpappliance.appliance.application.AuditEvent;
import org.otpappliance.appliance.application.AuditLog;
import org.otpappliance.appliance.application.TokenService;
import org.otpappliance.appliance.application.TokenService.TokenInfo;

/** The console's dashboard and audit pages. */
@Path("console")
@Produces(MediaType.APPLICATION_JSON)
@Access(Access.Level.CONSOLE)
public class ConsoleMonitorResource extends Caller {
    private static final int MAX_HOURS = 24;
    private static final int LOCKED_SHOWN = 100;
    private static final int FAILURES_SHOWN = 20;

    @Inject
    AuditLog audit;

    @Inject
    TokenService tokens;

    /** Qualified: @Readiness is a CDI qualifier, so the bean has no @Default. */
    @Inject
    @Readiness
    DataStoreHealth health;

    @Inject
    Clock clock;

    /** What the dashboard draws: validations per minute, locked tokens, recent failures, the data store's state. */
    public record Dashboard(long from, long to, List<AuditLog.MinuteCount> perMinute, List<TokenInfo> lockedTokens,
                            List<AuditEvent> recentFailures, String dataStore) {
    }

    @GET
    @Path("dashboard")
    public Dashboard dashboard(@QueryParam("hours") String hours) {
        int h = hours == null || hours.isEmpty() ? 3 : parseHours(hours);
        long to = clock.millis();
        long from = to - h * 3_600_000L;
        boolean up = health.call().getStatus() == HealthCheckResponse.Status.UP;
        return new Dashboard(from, to, audit.validationsPerMinute(from), tokens.locked(LOCKED_SHOWN),
                audit.query(new AuditLog.Filter(null, null, "VALIDATE", "REJECT", null, null, null, 0, FAILURES_SHOWN)),
                up ? "UP" : "DOWN");
    }

    @GET
    @Path("audit")
    public List<AuditEvent> audit(@QueryParam("user") String user, @QueryParam("serial") String serial,
                                  @QueryParam("action") String action, @QueryParam("result") String result,
                                  @QueryParam("entryPoint") String entryPoint, @QueryParam("from") String from,
                                  @QueryParam("to") String to, @QueryParam("offset") String offset, @QueryParam("limit") String limit) {
        return audit.query(filter(user, serial, action, result, entryPoint, from, to, offset, limit));
    }

    /** The same query as CSV, for a spreadsheet; a cell that a spreadsheet would run as a formula is quoted with a leading '. */
    @GET
    @Path("audit.csv")
    @Produces("text/csv")
    public Response auditCsv(@QueryParam("user") String user, @QueryParam("serial") String serial,
                             @QueryParam("action") String action, @QueryParam("result") String result,
                             @QueryParam("entryPoint") String entryPoint, @QueryParam("from") String from,
                             @QueryParam("to") String to, @QueryParam("offset") String offset, @QueryParam("limit") String limit) {
        StringBuilder csv = new StringBuilder("id,at,node,actor,action,username,serial,result,reason,entryPoint,source\r\n");
        for (AuditEvent e : audit.query(filter(user, serial, action, result, entryPoint, from, to, offset, limit))) {
            csv.append(Stream.of(String.valueOf(e.id()), e.at().toString(), e.node(), e.actor(), e.action(), e.username(), e.serial(),
                    e.result(), e.reason(), e.entryPoint(), e.source()).map(ConsoleMonitorResource::cell)
                    .collect(Collectors.joining(","))).append("\r\n");
        }
        return Response.ok(csv.toString()).header("Content-Disposition", "attachment; filename=\"audit.csv\"").build();
    }

    private static AuditLog.Filter filter(String user, String serial, String action, String result, String entryPoint, String from,
                                          String to, String offset, String limit) {
        return new AuditLog.Filter(blankToNull(user), blankToNull(serial), blankToNull(action), blankToNull(result),
                blankToNull(entryPoint), AuditResource.instant("from", from), AuditResource.instant("to", to),
                Paging.offset(offset), Paging.limit(limit));
    }

    /** A form's empty field means "any". */
    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return "\"" + v.replace("\"", "\"\"") + "\"";
    }

    private static int parseHours(String hours) {
        try {
            int h = Integer.parseInt(hours);
            if (h >= 1 && h <= MAX_HOURS) {
                return h;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ProblemException.badRequest("invalid-parameter", "hours must be a whole number from 1 to " + MAX_HOURS);
    }
}
