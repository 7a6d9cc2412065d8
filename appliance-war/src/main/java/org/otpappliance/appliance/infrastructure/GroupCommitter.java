package org.otpappliance.appliance.infrastructure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Group commit: the writes of all validations that arrive while the previous commit is under way
 * are executed in one transaction and made durable together, and only then is each caller told its
 * update counts. Durability per validation is unchanged — nobody hears "done" before the disk holds
 * their write — but the disk is paid for once per batch instead of once per request.
 *
 * <p>Within a batch, writes are ordered by their {@link Write#orderKey()} (the token id), keeping
 * submission order for equal keys: a token's updates apply in the order they were decided, and
 * two nodes lock rows in the same order, which keeps PostgreSQL free of deadlocks between batches.
 *
 * <p>A request that finds nobody committing commits itself, with whatever is queued, on its own
 * thread: a lone login waits for its fsync and for no hand-over between threads. Under load the
 * commit thread runs one batch after the other, and the next batch is whatever queued up during the
 * last commit and its fsync. (Waiting a little longer for fuller batches, or running the fsync of
 * one batch while the next executes, were both measured slower on 2 cores: each commit costs CPU
 * for the pages it writes, so fewer, fuller commits win.)
 */
public final class GroupCommitter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GroupCommitter.class.getName());
    private static final int MAX_BATCH = 512;

    /**
     * One SQL statement; rows affected come back in the same position. Its parameters are computed
     * when it runs, from the rows affected by the writes of the same unit that ran before it (so an
     * audit row can record whether the unit's conditional update took effect).
     */
    public record Write(String sql, Function<int[], Object[]> params, long orderKey) {
        public static Write of(String sql, long orderKey, Object... params) {
            return new Write(sql, rows -> params, orderKey);
        }

        /** Runs after every write with a smaller order key, such as the token updates. */
        public static Write last(String sql, Function<int[], Object[]> params) {
            return new Write(sql, params, Long.MAX_VALUE);
        }
    }

    private record Unit(List<Write> writes, CompletableFuture<int[]> done) {
    }

    private record Slot(Write write, int[] counts, int index, long sequence) {
    }

    private final DataSource dataSource;
    private final BlockingQueue<Unit> queue = new LinkedBlockingQueue<>();
    /** Held by whoever commits (the commit thread or a request committing inline); guards what follows. */
    private final ReentrantLock committing = new ReentrantLock();
    /** Kept across batches with its prepared statements. */
    private Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Thread commitThread;
    /** SQL that forces what was committed to the disk, for a database whose commit does not (H2); or null. */
    private final String syncStatement;
    private volatile boolean running = true;

    public GroupCommitter(DataSource dataSource, ThreadFactory threads) {
        this(dataSource, threads, null);
    }

    /**
     * @param syncStatement SQL run after each commit to make it durable (an fsync), for a database
     *                      whose commit alone does not reach the disk; null when the commit does
     */
    public GroupCommitter(DataSource dataSource, ThreadFactory threads, String syncStatement) {
        this.dataSource = dataSource;
        this.syncStatement = syncStatement;
        this.commitThread = threads.newThread(this::commitLoop);
        commitThread.setName("otp-group-commit");
        commitThread.start();
    }

    /** Queues writes to be committed together; the future completes once they are durable, with rows affected per write. */
    public CompletableFuture<int[]> submit(List<Write> writes) {
        CompletableFuture<int[]> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("the appliance is shutting down"));
            return done;
        }
        Unit unit = new Unit(writes, done);
        if (committing.tryLock()) {
            List<Unit> batch = new ArrayList<>();
            try {
                queue.drainTo(batch, MAX_BATCH - 1);   // submitted before this one: they go first
                batch.add(unit);
                commitAndSync(batch);
            } catch (RuntimeException e) {
                fail(batch, "group commit failed unexpectedly", e);
            } finally {
                committing.unlock();
            }
            return done;
        }
        queue.add(unit);
        return done;
    }

    private void commitLoop() {
        List<Unit> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Unit first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                committing.lockInterruptibly();
                try {
                    queue.drainTo(batch, MAX_BATCH - 1);
                    commitAndSync(batch);
                } finally {
                    committing.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
                fail(batch, "the group commit was stopped", new IllegalStateException("the group commit was stopped"));
            } catch (RuntimeException e) {
                fail(batch, "group commit failed unexpectedly", e);
            } finally {
                batch.clear();
            }
        }
    }

    /** Commits the batch, syncs, and tells each unit (the caller holds {@link #committing}). */
    private void commitAndSync(List<Unit> batch) {
        List<int[]> counts = commit(batch);
        if (counts != null && sync(batch)) {
            complete(batch, counts);
        }
    }

    /**
     * Executes and commits the batch on the commit connection (the caller holds {@link #committing});
     * the update counts of each unit, or null when it failed (every unit was told).
     */
    private List<int[]> commit(List<Unit> batch) {
        List<Slot> slots = new ArrayList<>();
        List<int[]> counts = new ArrayList<>(batch.size());
        long sequence = 0;
        for (Unit u : batch) {
            int[] c = new int[u.writes.size()];
            counts.add(c);
            for (int i = 0; i < u.writes.size(); i++) {
                slots.add(new Slot(u.writes.get(i), c, i, sequence++));
            }
        }
        slots.sort(Comparator.comparingLong((Slot s) -> s.write.orderKey()).thenComparingLong(Slot::sequence));
        try {
            Connection c = connection();
            try {
                execute(slots);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            fail(batch, "a batch of " + batch.size() + " validations could not be committed", e);
            connection = closeQuietly(connection);
            statements.clear();
            return null;
        }
        return counts;
    }

    /**
     * Runs the sync statement (if any); false, with every unit told, when it failed: their writes
     * are committed but not known to be on disk, so nobody may be told they took effect.
     */
    private boolean sync(List<Unit> units) {
        if (syncStatement == null) {
            return true;
        }
        try (Statement s = connection.createStatement()) {
            s.execute(syncStatement);
            return true;
        } catch (SQLException | RuntimeException e) {
            fail(units, "the sync after a commit of " + units.size() + " validations failed", e);
            connection = closeQuietly(connection);
            statements.clear();
            return false;
        }
    }

    private static void complete(List<Unit> units, List<int[]> counts) {
        for (int i = 0; i < units.size(); i++) {
            units.get(i).done.complete(counts.get(i));
        }
    }

    private static void fail(List<Unit> units, String what, Throwable e) {
        LOG.log(Level.WARNING, what, e);
        units.forEach(u -> u.done.completeExceptionally(e));
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    /** Hands a connection back (after a failure it may be broken: the pool checks it); always null, to clear the field. */
    private static Connection closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "closing a group commit connection failed", e);
            }
        }
        return null;
    }

    /** Runs of the same statement go to the database as one JDBC batch. */
    private void execute(List<Slot> slots) throws SQLException {
        int start = 0;
        while (start < slots.size()) {
            String sql = slots.get(start).write.sql();
            int end = start;
            while (end < slots.size() && slots.get(end).write.sql().equals(sql)) {
                end++;
            }
            PreparedStatement p = statements.get(sql);
            if (p == null) {
                p = connection.prepareStatement(sql);
                statements.put(sql, p);
            }
            if (end - start == 1) {
                bind(p, slots.get(start));
                record(slots.get(start), p.executeUpdate());
            } else {
                for (int i = start; i < end; i++) {
                    bind(p, slots.get(i));
                    p.addBatch();
                }
                int[] rows = p.executeBatch();
                for (int i = start; i < end; i++) {
                    record(slots.get(i), rows[i - start]);
                }
            }
            start = end;
        }
    }

    private static void bind(PreparedStatement p, Slot slot) throws SQLException {
        Object[] params = slot.write.params().apply(slot.counts);
        for (int i = 0; i < params.length; i++) {
            if (params[i] == null) {
                p.setNull(i + 1, Types.VARCHAR);
            } else {
                p.setObject(i + 1, params[i]);
            }
        }
    }

    private static void record(Slot slot, int rows) {
        slot.counts[slot.index] = rows;
    }

    @Override
    public void close() {
        running = false;
        try {
            commitThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!commitThread.isAlive() && committing.tryLock()) {
            try {
                connection = closeQuietly(connection);
                statements.clear();
            } finally {
                committing.unlock();
            }
        }
    }
}
