package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The state change that spends a code is on disk before the client hears ACCEPT: the appliance is
 * killed with SIGKILL right after a burst of ACCEPTs, restarted on the same data, and every code
 * it accepted is refused while the next codes still work.
 */
class DurabilityIT {
    static final int USERS = 24;

    record Enrolled(String user, JsonObject token) {
    }

    @Test
    void codesAcceptedJustBeforeAKillStaySpentAfterRestart() throws Exception {
        Appliance appliance = Appliance.start(Files.createTempDirectory("otp-durable"), Map.of());
        try {
            Api api = appliance.api();
            List<Enrolled> tokens = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                String user = api.newUser("durable");
                String type = i % 2 == 0 ? "hotp" : "totp";
                tokens.add(new Enrolled(user, api.enroll(Json.createObjectBuilder().add("user", user).add("type", type).build())));
            }
            List<String> accepted = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(USERS);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (Enrolled e : tokens) {
                    accepted.add(firstCode(e.token()));
                    results.add(pool.submit(() -> api.validate(e.user(), firstCode(e.token()))));
                }
                for (Future<String> f : results) {
                    assertEquals("ACCEPT", f.get());
                }
            } finally {
                pool.shutdownNow();
            }
            appliance = appliance.restart();

            Api after = appliance.api();
            for (int i = 0; i < USERS; i++) {
                assertEquals("REJECT", after.validate(tokens.get(i).user(), accepted.get(i)), "replayed after the crash");
            }
            for (Enrolled e : tokens) {
                JsonObject t = e.token();
                String next = t.getString("type").equals("hotp") ? Codes.hotp(t, 1) : Codes.totp(t, 1);
                assertEquals("ACCEPT", after.validate(e.user(), next), "the token still works after the crash");
            }
        } finally {
            appliance.close();
        }
    }

    private static String firstCode(JsonObject t) {
        return t.getString("type").equals("hotp") ? Codes.hotp(t, 0) : Codes.totp(t, 0);
    }
}
