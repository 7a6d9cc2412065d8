package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.FailureCounts;
import org.otpappliance.appliance.infrastructure.FailureCounts.Bucket;
import org.otpappliance.appliance.infrastructure.FailureCounts.Count;

/**
 * Failures per user and per source, shared by every node through the database: when either reaches
 * its limit within its window, requests for that user or from that source are refused until the
 * window ends, without their code being looked at.
 *
 * <p>Only failures are written, so an accepted code costs nothing here. Each node keeps a note of
 * the users and sources it saw reach their limit and confirms a note in the database before it
 * refuses (so an admin who lifts a limit lifts it on every node). A node that has no note yet lets a
 * request through and learns of the closed window when that request fails: with N nodes, at most
 * N - 1 failures more than the limit get in per window.
 */
@ApplicationScoped
public class RateLimits {
    private static final Logger LOG = Logger.getLogger(RateLimits.class.getName());
    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_NOTES = 100_000;
    private static final long PURGE_EVERY_MILLIS = 60_000;

    public enum Kind {
        USER, SOURCE;

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Kind> parse(String s) {
            for (Kind k : values()) {
                if (k.column().equals(s)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /** A user's or a source's counter; names longer than the column are clipped. */
    public record Key(Kind kind, String name) {
        public Key {
            name = name.length() <= MAX_NAME_LENGTH ? name : name.substring(0, MAX_NAME_LENGTH);
        }
    }

    /** A closed window, for the admin API: who, how many failures, until when. */
    public record Closed(String kind, String name, int failures, long until) {
    }

    @Inject
    ApplianceConfig config;

    @Inject
    Database database;

    @Inject
    AuditLog audit;

    /** Closed windows this node has seen: key to the window's end. */
    private final Map<Key, Long> notes = new ConcurrentHashMap<>();
    private final AtomicLong lastPurge = new AtomicLong();

    /** The keys to count for a request: the user's (when named) and the source's, those whose limit is on. */
    public List<Key> keys(String username, String source) {
        List<Key> keys = new ArrayList<>(2);
        if (username != null && config.userFailureLimit() > 0) {
            keys.add(new Key(Kind.USER, username));
        }
        if (source != null && config.sourceFailureLimit() > 0) {
            keys.add(new Key(Kind.SOURCE, source));
        }
        return keys;
    }

    /** Whether any of the keys' windows is closed at {@code now}, as the database has it. */
    public boolean closed(List<Key> keys, long now) {
        for (Key k : keys) {
            Long end = notes.get(k);
            if (end == null) {
                continue;
            }
            Optional<Count> c;
            try {
                c = database.failureCounts().read(k.kind().column(), k.name());
            } catch (SQLException e) {
                throw new StoreUnavailableException(e);
            }
            if (c.isPresent() && c.get().failures() >= limit(k.kind()) && c.get().windowEnd() > now) {
                notes.put(k, c.get().windowEnd());
                return true;
            }
            notes.remove(k, end);
        }
        return false;
    }

    /** Counts a failure for each key; notes the keys whose window it closed (or found closed). */
    public void countFailure(List<Key> keys, long now) {
        if (keys.isEmpty()) {
            return;
        }
        List<Bucket> buckets = keys.stream().map(k -> new Bucket(k.kind().column(), k.name(), window(k.kind()))).toList();
        List<Count> counts;
        try {
            counts = database.failureCounts().add(now, buckets);
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            Count c = counts.get(i);
            if (c.failures() >= limit(k.kind())) {
                if (c.failures() == limit(k.kind())) {
                    LOG.warning(() -> "Rate limit: " + k.kind().column() + " " + printable(k.name()) + " had " + c.failures()
                            + " failures; refused until its window ends in " + (c.windowEnd() - now) / 1000 + " s");
                }
                if (notes.size() < MAX_NOTES || notes.containsKey(k)) {
                    notes.put(k, c.windowEnd());
                }
            }
        }
        purge(now);
    }

    /** The windows closed now, the most failures first (at most {@code max}). */
    public List<Closed> closedNow(long now, int max) {
        int atLeast = Math.min(positive(config.userFailureLimit()), positive(config.sourceFailureLimit()));
        try {
            return database.failureCounts().open(now, atLeast, max).stream()
                    .filter(c -> Kind.parse(c.kind()).map(k -> c.failures() >= limit(k)).orElse(false))
                    .map(c -> new Closed(c.kind(), c.name(), c.failures(), c.windowEnd())).toList();
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    /** An admin forgets a user's or a source's failures, on every node; audited. */
    public void lift(Key key, String actor, String source) {
        if (!forget(key)) {
            throw AdminException.notFound("no-failures", "no failures are counted for this " + key.kind().column());
        }
        audit.admin(actor, "RATE_LIMIT_LIFT", key.kind() == Kind.USER ? key.name() : null, null, "OK",
                key.kind() == Kind.SOURCE ? "source " + printable(key.name()) : null, source);
    }

    /** Forgets a user's or a source's failures, on every node (part of an admin action audited elsewhere); false when it had none. */
    public boolean forget(Key key) {
        notes.remove(key);
        try {
            return database.failureCounts().delete(key.kind().column(), key.name());
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }


    private int limit(Kind kind) {
        return kind == Kind.USER ? config.userFailureLimit() : config.sourceFailureLimit();
    }

    private long window(Kind kind) {
        return 1000L * (kind == Kind.USER ? config.userFailureWindowSeconds() : config.sourceFailureWindowSeconds());
    }

    private static int positive(int limit) {
        return limit > 0 ? limit : Integer.MAX_VALUE;
    }

    /** Once a minute per node: ended windows leave the table and the notes. */
    private void purge(long now) {
        long last = lastPurge.get();
        if (now - last < PURGE_EVERY_MILLIS || !lastPurge.compareAndSet(last, now)) {
            return;
        }
        notes.values().removeIf(end -> end <= now);
        try {
            database.failureCounts().purge(now);
        } catch (SQLException e) {
            LOG.warning(() -> "Rate limit: ended windows could not be purged: " + e.getMessage());
        }
    }

    private static String printable(String s) {
        return s.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
