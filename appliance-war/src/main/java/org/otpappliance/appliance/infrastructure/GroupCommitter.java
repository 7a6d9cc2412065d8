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
 * Group commit: the writes of all validations that arrive while the previous commit is on its way
 * to disk are executed in one transaction and made durable by one commit (one fsync), and only
 * then is each caller told its update counts. Durability per validation is unchanged — nobody
 * hears "done" before the commit that holds their write — but the disk is paid for once per batch
 * instead of once per request.
 *
 * <p>Within a batch, writes are ordered by their {@link Write#orderKey()} (the token id), keeping
 * submission order for equal keys: a token's updates apply in the order they were decided, and
 * two nodes lock rows in the same order, which keeps PostgreSQL free of deadlocks between batches.
 *
 * <p>A request that finds nobody committing commits itself, with whatever is queued, on its own
 * thread: a lone login then waits for its fsync alone and not also for two thread hand-offs.
 * Under load the commit thread runs one batch after the other and requests queue up behind it.
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
    private final Thread thread;
    private final long lingerNanos;
    /** Run after each commit to force it to the disk, for a database whose commit does not (H2); or null. */
    private final String syncStatement;
    private int lastBatchSize;
    private volatile boolean running = true;

    public GroupCommitter(DataSource dataSource, ThreadFactory threads, long lingerMicros) {
        this(dataSource, threads, lingerMicros, null);
    }

    /**
     * @param syncStatement SQL run after each commit to make it durable (an fsync), for a database
     *                      whose commit alone does not reach the disk; null when the commit does
     */
    public GroupCommitter(DataSource dataSource, ThreadFactory threads, long lingerMicros, String syncStatement) {
        this.dataSource = dataSource;
        this.syncStatement = syncStatement;
        this.lingerNanos = TimeUnit.MICROSECONDS.toNanos(lingerMicros);
        this.thread = threads.newThread(this::run);
        thread.setName("otp-group-commit");
        thread.start();
    }

    /** Queues writes to be committed together; the future completes after the commit, with rows affected per write. */
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
                lastBatchSize = batch.size();
                commit(batch);
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "group commit failed unexpectedly", e);
                batch.forEach(u -> u.done.completeExceptionally(e));
            } finally {
                committing.unlock();
            }
            return done;
        }
        queue.add(unit);
        return done;
    }

    private void run() {
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
                    if (lastBatchSize > 1) {
                        linger(batch);
                    }
                    lastBatchSize = batch.size();
                    commit(batch);
                } finally {
                    committing.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
                IllegalStateException stopped = new IllegalStateException("the group commit was stopped");
                batch.forEach(u -> u.done.completeExceptionally(stopped));
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "group commit failed unexpectedly", e);
                batch.forEach(u -> u.done.completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Under load (the last batch had company) waits up to the linger time for more validations:
     * a commit costs about the same for 10 or 30 of them, so fuller batches cost less each.
     * A lone request under light load never waits.
     */
    private void linger(List<Unit> batch) throws InterruptedException {
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < MAX_BATCH) {
            Unit more = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (more == null) {
                return;
            }
            batch.add(more);
        }
    }

    private void commit(List<Unit> batch) {
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
                if (syncStatement != null) {
                    try (Statement s = c.createStatement()) {
                        s.execute(syncStatement);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "a batch of " + batch.size() + " validations could not be committed", e);
            batch.forEach(u -> u.done.completeExceptionally(e));
            releaseConnection();
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done.complete(counts.get(i));
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    /** After a failure the connection may be broken: hand it back (the pool checks it) and start afresh. */
    private void releaseConnection() {
        statements.clear();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "closing the commit connection failed", e);
            }
            connection = null;
        }
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
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive() && committing.tryLock()) {
            try {
                releaseConnection();
            } finally {
                committing.unlock();
            }
        }
    }
}
