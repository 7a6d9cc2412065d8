package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;
import org.hibernate.Session;
import org.hibernate.query.Query;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.GroupCommitter.Write;
import org.otpappliance.appliance.infrastructure.persistence.AuditEventEntity;

/**
 * The audit log. Validations write their line in the same group commit as their state change (no
 * fsync of its own); admin actions write theirs in the admin action's own transaction.
 */
@ApplicationScoped
public class AuditLog {
    static final String INSERT = "INSERT INTO audit_event (at, node, actor, action, username, serial, result, reason, "
            + "entry_point, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final Logger LOG = Logger.getLogger("org.otpappliance.audit");

    @Inject
    ApplianceConfig config;

    @Inject
    Database database;

    @Inject
    Clock clock;

    /** A query over the audit log; null fields do not filter. Times are epoch milliseconds. */
    public record Filter(String username, String serial, String action, String result, String entryPoint,
                         Long from, Long to, int offset, int limit) {
    }

    /** The audit line of a validation, as the last write of its group-commit unit. */
    Write validationWrite(long at, String actor, String username, String entryPoint, String source,
                          Function<int[], String[]> serialResultReason) {
        String node = config.nodeName();
        // Clipped to the columns: one over-long value must not fail the batch it is committed with.
        String a = clip(actor, 128);
        String u = clip(username, 255);
        String src = clip(source, 128);
        return Write.last(INSERT, rows -> {
            String[] srr = serialResultReason.apply(rows);
            return new Object[] {at, node, a, "VALIDATE", u, srr[0], srr[1], srr[2], entryPoint, src};
        });
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /** Records an admin action inside the caller's transaction; a reason longer than its column is clipped. */
    public void admin(Session session, String actor, String action, String username, String serial, String result,
                      String reason, String source) {
        AuditEventEntity e = new AuditEventEntity();
        e.at = clock.millis();
        e.node = config.nodeName();
        e.actor = actor;
        e.action = action;
        e.username = username;
        e.serial = serial;
        e.result = result;
        e.reason = clip(reason, 128);
        e.entryPoint = "ADMIN";
        e.source = source;
        session.persist(e);
        LOG.fine(() -> action + " " + result + " by " + actor);
    }

    /** Records an admin action in a transaction of its own (for refusals, where nothing else is written). */
    public void admin(String actor, String action, String username, String serial, String result, String reason, String source) {
        database.write(s -> {
            admin(s, actor, action, username, serial, result, reason, source);
            return null;
        });
    }

    public List<AuditEvent> query(Filter f) {
        StringBuilder hql = new StringBuilder("from AuditEventEntity e where 1 = 1");
        List<Object> params = new ArrayList<>();
        clause(hql, params, "e.username = ?", f.username());
        clause(hql, params, "e.serial = ?", f.serial());
        clause(hql, params, "e.action = ?", f.action());
        clause(hql, params, "e.result = ?", f.result());
        clause(hql, params, "e.entryPoint = ?", f.entryPoint());
        clause(hql, params, "e.at >= ?", f.from());
        clause(hql, params, "e.at < ?", f.to());
        hql.append(" order by e.id desc");
        return database.read(s -> {
            Query<AuditEventEntity> q = s.createQuery(hql.toString(), AuditEventEntity.class);
            for (int i = 0; i < params.size(); i++) {
                q.setParameter(i + 1, params.get(i));
            }
            return q.setFirstResult(f.offset()).setMaxResults(f.limit()).getResultList().stream()
                    .map(e -> new AuditEvent(e.id, Instant.ofEpochMilli(e.at), e.node, e.actor, e.action, e.username, e.serial, e.result,
                            e.reason, e.entryPoint, e.source))
                    .toList();
        });
    }

    /** Validations in one minute (epoch milliseconds of its start) from one entry point with one result. */
    public record MinuteCount(long minute, String entryPoint, String result, long count) {
    }

    /**
     * Validations per minute by entry point and result since {@code from} (epoch milliseconds),
     * oldest first, from the audit log, so it covers every node. A scan of the recent rows: the log
     * has no index on time (every validation inserts a row), which is fine for a dashboard's hours.
     */
    public List<MinuteCount> validationsPerMinute(long from) {
        return database.read(s -> {
            List<Object[]> rows = s.createNativeQuery("SELECT at / 60000, entry_point, result, COUNT(*) FROM audit_event "
                    + "WHERE action = 'VALIDATE' AND at >= ?1 GROUP BY at / 60000, entry_point, result ORDER BY 1", Object[].class)
                    .setParameter(1, from).getResultList();
            return rows.stream().map(r -> new MinuteCount(((Number) r[0]).longValue() * 60_000L, (String) r[1], (String) r[2],
                    ((Number) r[3]).longValue())).toList();
        });
    }

    private static void clause(StringBuilder hql, List<Object> params, String condition, Object value) {
        if (value != null) {
            hql.append(" and ").append(condition.replace("?", "?" + (params.size() + 1)));
            params.add(value);
        }
    }
}
