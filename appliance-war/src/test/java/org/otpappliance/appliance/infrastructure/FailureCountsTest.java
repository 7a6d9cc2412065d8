package org.otpappliance.appliance.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.infrastructure.FailureCounts.Bucket;
import org.otpappliance.appliance.infrastructure.FailureCounts.Count;

/**
 * Failure counts on H2 (its update-or-insert path); {@code FailureCountsOnPostgresIT} runs the same
 * checks on PostgreSQL (its single upsert).
 */
public class FailureCountsTest {
    private static FailureCounts fresh() throws Exception {
        DataSource ds = H2.fresh();
        new SchemaMigrator(ds).migrate();
        return new FailureCounts(ds, false);
    }

    @Test
    void failuresAddUpWithinTheWindowAndStartAgainAfterIt() throws Exception {
        windows(fresh());
    }

    @Test
    void parallelFailuresOnOneBucketAreAllCounted() throws Exception {
        parallel(fresh());
    }

    public static void windows(FailureCounts counts) throws Exception {
        Bucket user = new Bucket("user", "alice", 1_000);
        Bucket source = new Bucket("source", "192.0.2.7", 5_000);
        List<Count> first = counts.add(10_000, List.of(user, source));
        assertEquals(1, first.get(0).failures());
        assertEquals(11_000, first.get(0).windowEnd(), "the window opens with the first failure");
        assertEquals(15_000, first.get(1).windowEnd(), "each bucket has its own window");
        counts.add(10_500, List.of(user, source));
        List<Count> third = counts.add(10_999, List.of(user, source));
        assertEquals(3, third.get(0).failures());
        assertEquals(11_000, third.get(0).windowEnd(), "failures inside a window do not move its end");

        List<Count> after = counts.add(11_000, List.of(user, source));
        assertEquals(1, after.get(0).failures(), "the user's window ended: a new one starts");
        assertEquals(12_000, after.get(0).windowEnd());
        assertEquals(4, after.get(1).failures(), "the source's window is still open");

        assertEquals(List.of(new Count("source", "192.0.2.7", 4, 15_000)), counts.open(11_000, 2, 10));
        assertEquals(1, counts.purge(12_000), "the user's ended window is purged");
        assertTrue(counts.read("user", "alice").isEmpty());
        assertTrue(counts.delete("source", "192.0.2.7"));
        assertFalse(counts.delete("source", "192.0.2.7"));
    }

    public static void parallel(FailureCounts counts) throws Exception {
        int threads = 8;
        int each = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        counts.add(1_000, List.of(new Bucket("user", "bob", 60_000), new Bucket("source", "shared", 60_000)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, counts.read("user", "bob").orElseThrow().failures(), "the first failures raced to open the window");
        assertEquals(threads * each, counts.read("source", "shared").orElseThrow().failures());
    }
}
