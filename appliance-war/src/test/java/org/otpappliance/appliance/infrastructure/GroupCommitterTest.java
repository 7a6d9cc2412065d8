package org.otpappliance.appliance.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.infrastructure.GroupCommitter.Write;

class GroupCommitterTest {
    static final String SPEND = "UPDATE t SET step = ? WHERE id = ? AND step < ?";
    static final String LOG = "INSERT INTO log (note) VALUES (?)";

    DataSource ds;
    GroupCommitter committer;

    @BeforeEach
    void setUp() throws Exception {
        ds = H2.fresh();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, step BIGINT NOT NULL)");
            s.execute("CREATE TABLE log (note VARCHAR(20) NOT NULL)");
            s.execute("INSERT INTO t VALUES (1, 0), (2, 0)");
        }
        committer = new GroupCommitter(ds, Executors.defaultThreadFactory(), "CHECKPOINT SYNC");
    }

    @AfterEach
    void tearDown() {
        committer.close();
    }

    @Test
    void ofManyConcurrentConditionalUpdatesOfOneRowExactlyOneTakesEffect() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<int[]>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                futures.add(callers.submit(() -> {
                    start.await();
                    return committer.submit(List.of(Write.of(SPEND, 1, 5L, 1L, 5L),
                            Write.last(LOG, rows -> new Object[] {rows[0] == 1 ? "won" : "lost"}))).get();
                }));
            }
            start.countDown();
        } finally {
            callers.shutdown();
        }
        int won = 0;
        for (Future<int[]> f : futures) {
            won += f.get()[0];
        }
        assertEquals(1, won);
        assertEquals(1, count("SELECT COUNT(*) FROM log WHERE note = 'won'"), "the audit-style write saw its unit's outcome");
        assertEquals(199, count("SELECT COUNT(*) FROM log WHERE note = 'lost'"));
        assertEquals(5, count("SELECT step FROM t WHERE id = 1"));
    }

    @Test
    void aLoneRequestIsCommittedBeforeSubmitReturns() throws Exception {
        CompletableFuture<int[]> done = committer.submit(List.of(Write.of(SPEND, 2, 3L, 2L, 3L)));
        assertTrue(done.isDone(), "nobody else was committing: committed on the caller's thread");
        assertEquals(1, done.get()[0]);
        assertEquals(3, count("SELECT step FROM t WHERE id = 2"));
    }

    @Test
    void aFailingBatchCommitsNothingAndTellsEveryCaller() throws Exception {
        CompletableFuture<int[]> good = committer.submit(List.of(Write.of(SPEND, 2, 7L, 2L, 7L)));
        good.get();
        // A NOT NULL violation: the whole unit, and anything batched with it, rolls back.
        CompletableFuture<int[]> bad = committer.submit(List.of(Write.of(SPEND, 1, 9L, 1L, 9L), Write.of(LOG, Long.MAX_VALUE, (Object) null)));
        assertThrows(ExecutionException.class, bad::get);
        assertEquals(0, count("SELECT step FROM t WHERE id = 1"));
        assertEquals(7, count("SELECT step FROM t WHERE id = 2"));
    }

    private int count(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }
}
