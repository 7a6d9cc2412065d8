package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The same valid code, sent many times at once, is accepted exactly once (H2; PostgresIT does the same on PostgreSQL). */
@ExtendWith(SharedAppliance.class)
class ConcurrencyIT {
    static final int CONCURRENT = 50;

    @Test
    void fiftyConcurrentValidationsOfOneHotpCodeGiveExactlyOneAccept(Appliance appliance) throws Exception {
        assertExactlyOnce(appliance.api(), "hotp");
    }

    @Test
    void fiftyConcurrentValidationsOfOneTotpCodeGiveExactlyOneAccept(Appliance appliance) throws Exception {
        assertExactlyOnce(appliance.api(), "totp");
    }

    static void assertExactlyOnce(Api api, String type) throws Exception {
        String user = api.newUser("race-" + type);
        JsonObject t = api.enroll(Json.createObjectBuilder().add("user", user).add("type", type).build());
        String code = type.equals("hotp") ? Codes.hotp(t, 0) : Codes.totp(t, 0);
        List<String> results = fire(api, user, code, CONCURRENT);
        assertEquals(1, results.stream().filter("ACCEPT"::equals).count(), results.toString());
        assertEquals(CONCURRENT - 1, results.stream().filter("REJECT"::equals).count(), results.toString());
        long replays = api.get("/api/v1/audit?action=VALIDATE&result=REJECT&limit=1000&user=" + user).jsonStructure().asJsonArray()
                .stream().filter(e -> "REPLAYED".equals(e.asJsonObject().getString("reason", ""))).count();
        assertEquals(CONCURRENT - 1, replays, "every losing request is audited as a replay");
    }

    /** Sends the same validation from {@code n} threads released together. */
    static List<String> fire(Api api, String user, String code, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return api.validate(user, code);
                }));
            }
            start.countDown();
            List<String> results = new ArrayList<>();
            for (Future<String> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
