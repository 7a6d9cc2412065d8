package org.otpappliance.appliance.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.otpappliance.appliance.application.AdminException;
import org.otpappliance.appliance.application.DeliveryFailedException;
import org.otpappliance.appliance.application.StoreUnavailableException;

/** Turns every failure into problem details; internals (stack traces, SQL) stay in the server log. */
public final class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class.getName());

    private static final Problem.Details STORE_UNAVAILABLE = new Problem.Details(503, "store-unavailable", "Service unavailable",
            "the appliance cannot reach its data store; nothing was changed");

    private ProblemMappers() {
    }

    @Provider
    public static class Refused implements ExceptionMapper<ProblemException> {
        @Override
        public Response toResponse(ProblemException e) {
            return refused(e).response();
        }
    }

    @Provider
    public static class Admin implements ExceptionMapper<AdminException> {
        @Override
        public Response toResponse(AdminException e) {
            return switch (e.kind()) {
                case INVALID -> Problem.response(400, e.type(), "Invalid request", e.getMessage());
                case NOT_FOUND -> Problem.response(404, e.type(), "Not found", e.getMessage());
                case CONFLICT -> Problem.response(409, e.type(), "Conflict", e.getMessage());
                case FORBIDDEN -> Problem.response(403, e.type(), "Forbidden", e.getMessage());
            };
        }
    }

    @Provider
    public static class Unavailable implements ExceptionMapper<StoreUnavailableException> {
        @Override
        public Response toResponse(StoreUnavailableException e) {
            return unavailable(e).response();
        }
    }

    /** A code to be sent by SMS or e-mail could not be: a gateway's fault, so 502, and the client may retry. */
    @Provider
    public static class Undelivered implements ExceptionMapper<DeliveryFailedException> {
        @Override
        public Response toResponse(DeliveryFailedException e) {
            return undelivered(e).response();
        }
    }

    /** JAX-RS's own refusals: unknown path (404), wrong method (405), wrong media type (415), ... */
    @Provider
    public static class Container implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            Response r = e.getResponse();
            String reason = r.getStatusInfo().getReasonPhrase();
            String type = reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            return Problem.response(r.getStatus(), type, reason, null);
        }
    }

    @Provider
    public static class Unexpected implements ExceptionMapper<RuntimeException> {
        @Override
        public Response toResponse(RuntimeException e) {
            return unexpected(e).response();
        }
    }

    /** The problem any failure of the validation servlet is answered with: what the mappers above answer. */
    static Problem.Details of(RuntimeException e) {
        if (e instanceof ProblemException p) {
            return refused(p);
        }
        if (e instanceof StoreUnavailableException s) {
            return unavailable(s);
        }
        if (e instanceof DeliveryFailedException d) {
            return undelivered(d);
        }
        return unexpected(e);
    }

    private static Problem.Details refused(ProblemException e) {
        return new Problem.Details(e.status, e.type, e.title, e.getMessage());
    }

    private static Problem.Details unavailable(StoreUnavailableException e) {
        LOG.log(Level.WARNING, "answered 503: data store unavailable", e);
        return STORE_UNAVAILABLE;
    }

    private static Problem.Details undelivered(DeliveryFailedException e) {
        LOG.log(Level.WARNING, "answered 502: " + e.getMessage(), e.getCause());
        return new Problem.Details(502, "delivery-failed", "Bad gateway", "the code could not be sent; try again later");
    }

    private static Problem.Details unexpected(RuntimeException e) {
        // SQLState class 08 is "connection exception"; a constraint or syntax error is a bug, not an outage.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreUnavailableException || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
                LOG.log(Level.WARNING, "answered 503: data store unavailable", e);
                return STORE_UNAVAILABLE;
            }
        }
        LOG.log(Level.SEVERE, "unexpected error", e);
        return new Problem.Details(500, "internal-error", "Internal error", "see the appliance log");
    }
}
