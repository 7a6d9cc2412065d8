package org.otpappliance.appliance.infrastructure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Failure counts in windows of time, kept in the {@code rate_limit} table so that every node on the
 * database adds to the same count. A window opens with the first failure after the last one ended
 * and lasts the bucket's window; each failure in it adds one.
 *
 * <p>Counting is its own short transaction, outside the group commit: a count lost in a crash only
 * forgives a few failures, so on PostgreSQL it does not wait for the WAL flush, and on H2 it is not
 * synced. The rows of one call are locked in the order given, so callers that always give the user
 * before the source cannot deadlock one another. The buckets of one call must differ.
 */
public final class FailureCounts {
    /** One counter: its kind ("user", "source"), its name and how long a window lasts. */
    public record Bucket(String kind, String name, long windowMillis) {
    }

    /** A window's count, and when it ends (epoch milliseconds). */
    public record Count(String kind, String name, int failures, long windowEnd) {
    }

    private static final String ADD = "UPDATE rate_limit SET failures = CASE WHEN window_end > ? THEN failures + 1 ELSE 1 END, "
            + "window_end = CASE WHEN window_end > ? THEN window_end ELSE ? END WHERE kind = ? AND name = ?";
    private static final String OPEN = "INSERT INTO rate_limit (kind, name, window_end, failures) VALUES (?, ?, ?, 1)";
    private static final String READ = "SELECT failures, window_end FROM rate_limit WHERE kind = ? AND name = ?";
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final boolean postgres;

    public FailureCounts(DataSource dataSource, boolean postgres) {
        this.dataSource = dataSource;
        this.postgres = postgres;
    }

    /** Adds one failure to each bucket and returns their counts after it, in the same order. */
    public List<Count> add(long now, List<Bucket> buckets) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Count> counts = postgres ? upsert(c, now, buckets) : updateOrInsert(c, now, buckets);
                c.commit();
                return counts;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** PostgreSQL: one statement for all buckets, and a commit that does not wait for the WAL flush. */
    private static List<Count> upsert(Connection c, long now, List<Bucket> buckets) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL synchronous_commit TO OFF");
        }
        String sql = "INSERT INTO rate_limit AS r (kind, name, window_end, failures) VALUES "
                + String.join(", ", Collections.nCopies(buckets.size(), "(?, ?, ?, 1)"))
                + " ON CONFLICT (kind, name) DO UPDATE SET failures = CASE WHEN r.window_end > ? THEN r.failures + 1 ELSE 1 END, "
                + "window_end = CASE WHEN r.window_end > ? THEN r.window_end ELSE EXCLUDED.window_end END "
                + "RETURNING kind, name, failures, window_end";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            int i = 1;
            for (Bucket b : buckets) {
                s.setString(i++, b.kind());
                s.setString(i++, b.name());
                s.setLong(i++, now + b.windowMillis());
            }
            s.setLong(i++, now);
            s.setLong(i, now);
            Map<String, Count> returned = new HashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Count count = new Count(r.getString(1), r.getString(2), r.getInt(3), r.getLong(4));
                    returned.put(count.kind() + "\n" + count.name(), count);
                }
            }
            List<Count> counts = new ArrayList<>(buckets.size());
            for (Bucket b : buckets) {
                Count count = returned.get(b.kind() + "\n" + b.name());
                if (count == null) {
                    throw new SQLException("no count returned for a bucket");
                }
                counts.add(count);
            }
            return counts;
        }
    }

    /** H2 (no ON CONFLICT): add to the row, or open it, one bucket after the other. */
    private static List<Count> updateOrInsert(Connection c, long now, List<Bucket> buckets) throws SQLException {
        List<Count> counts = new ArrayList<>(buckets.size());
        for (Bucket b : buckets) {
            if (!increment(c, now, b)) {
                // The first failure: two threads may open the window at once, and the second then adds to it.
                Savepoint before = c.setSavepoint();
                try (PreparedStatement open = c.prepareStatement(OPEN)) {
                    open.setString(1, b.kind());
                    open.setString(2, b.name());
                    open.setLong(3, now + b.windowMillis());
                    open.executeUpdate();
                } catch (SQLException e) {
                    if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                        throw e;
                    }
                    c.rollback(before);
                    increment(c, now, b);
                }
            }
            counts.add(read(c, b.kind(), b.name()).orElseThrow(() -> new SQLException("the counted row is gone")));
        }
        return counts;
    }

    public Optional<Count> read(String kind, String name) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return read(c, kind, name);
        }
    }

    /** The windows that are still open at {@code now} and have at least {@code minFailures}, the most failures first. */
    public List<Count> open(long now, int minFailures, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT kind, name, failures, window_end FROM rate_limit "
                     + "WHERE window_end > ? AND failures >= ? ORDER BY failures DESC, kind, name")) {
            s.setLong(1, now);
            s.setInt(2, minFailures);
            s.setMaxRows(limit);
            List<Count> counts = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    counts.add(new Count(r.getString(1), r.getString(2), r.getInt(3), r.getLong(4)));
                }
            }
            return counts;
        }
    }

    /** Forgets a window's failures; false when there was none. */
    public boolean delete(String kind, String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM rate_limit WHERE kind = ? AND name = ?")) {
            s.setString(1, kind);
            s.setString(2, name);
            return s.executeUpdate() == 1;
        }
    }

    /** Drops the windows that ended before {@code now}; returns how many. */
    public int purge(long now) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM rate_limit WHERE window_end <= ?")) {
            s.setLong(1, now);
            return s.executeUpdate();
        }
    }

    private static boolean increment(Connection c, long now, Bucket b) throws SQLException {
        try (PreparedStatement add = c.prepareStatement(ADD)) {
            add.setLong(1, now);
            add.setLong(2, now);
            add.setLong(3, now + b.windowMillis());
            add.setString(4, b.kind());
            add.setString(5, b.name());
            return add.executeUpdate() == 1;
        }
    }

    private static Optional<Count> read(Connection c, String kind, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(READ)) {
            s.setString(1, kind);
            s.setString(2, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new Count(kind, name, r.getInt(1), r.getLong(2))) : Optional.empty();
            }
        }
    }
}
