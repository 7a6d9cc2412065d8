package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits per user and per source, on an appliance of its own (small limits; the tests vary the
 * source through the PAM fields a login host forwards). A refused request gets the same answer
 * whether the user exists or not, and its code is not looked at: even the right one is refused.
 */
class RateLimitIT {
    static final int USER_FAILURES = 4;
    static final int SOURCE_FAILURES = 7;
    static final JsonObject REFUSED = Json.createObjectBuilder().add("result", "REJECT")
            .add("message", "too many failed attempts; try again later").build();

    static Appliance appliance;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        appliance = Appliance.start(Files.createTempDirectory("otp-rate-limit"), Map.of(
                "OTP_APPLIANCE_RATE_LIMIT_USER_FAILURES", String.valueOf(USER_FAILURES),
                "OTP_APPLIANCE_RATE_LIMIT_SOURCE_FAILURES", String.valueOf(SOURCE_FAILURES),
                "OTP_APPLIANCE_RATE_LIMIT_SOURCE_WINDOW_SECONDS", "600"));
        api = appliance.api();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (appliance != null) {
            appliance.close();
        }
    }

    /** A login forwarded by a login host: the source is the remote host. */
    static JsonObject login(String user, String code, String rhost) {
        return api.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", code)
                .add("pam", Json.createObjectBuilder().add("service", "sshd").add("host", "login-1").add("rhost", rhost)).build()).json();
    }

    static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aUsersFailuresFromManySourcesCloseTheUserAndTheRightCodeIsRefusedUntilAnAdminLiftsIt() {
        String user = api.newUser("limited");
        String ghost = fresh("ghost");
        JsonObject t = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String wrong = ChallengeIT.otherCode(Codes.hotp(t, 0));
        for (int i = 0; i < USER_FAILURES; i++) {
            assertEquals("REJECT", login(user, wrong, fresh("10.1.0")).getString("result"));
            assertEquals("REJECT", login(ghost, wrong, fresh("10.2.0")).getString("result"));
        }
        assertEquals(REFUSED, login(user, Codes.hotp(t, 0), fresh("10.1.0")), "the right code, refused unseen");
        assertEquals(REFUSED, login(ghost, "123456", fresh("10.2.0")), "an unknown user meets the limit alike");
        assertEquals(REFUSED, api.validateReply(user, Codes.hotp(t, 0)).json(), "through REST from another source too");
        JsonObject token = api.get("/api/v1/tokens/" + t.getString("serial")).json();
        assertEquals(USER_FAILURES, token.getInt("failCount"), "refused requests are not tried on the token");

        String other = api.newUser("unlimited");
        JsonObject ot = api.enroll(Json.createObjectBuilder().add("user", other).add("type", "hotp").build());
        assertEquals("ACCEPT", login(other, Codes.hotp(ot, 0), fresh("10.3.0")).getString("result"), "other users go on");

        List<JsonObject> audit = api.audit(user).stream().map(JsonValue::asJsonObject).toList();
        assertTrue(audit.stream().anyMatch(e -> "RATE_LIMITED".equals(e.getString("reason", null))), audit.toString());

        List<JsonObject> closed = api.get("/api/v1/rate-limits").jsonStructure().asJsonArray().stream().map(JsonValue::asJsonObject)
                .filter(c -> c.getString("name").equals(user) || c.getString("name").equals(ghost)).toList();
        assertEquals(2, closed.size(), closed.toString());
        assertTrue(closed.stream().allMatch(c -> c.getString("kind").equals("user") && c.getInt("failures") == USER_FAILURES), closed.toString());

        assertEquals(204, api.delete("/api/v1/rate-limits/user/" + user).status());
        assertEquals(404, api.delete("/api/v1/rate-limits/user/" + user).status(), "nothing left to lift");
        assertEquals(400, api.delete("/api/v1/rate-limits/nobody/" + user).status());
        assertEquals("ACCEPT", login(user, Codes.hotp(t, 0), fresh("10.1.0")).getString("result"), "lifted");
        assertEquals(REFUSED, login(ghost, "123456", fresh("10.2.0")), "only what the admin lifted");
        assertTrue(api.audit(user).stream().map(JsonValue::asJsonObject).anyMatch(e -> e.getString("action").equals("RATE_LIMIT_LIFT")));
    }

    @Test
    void consoleLoginsCountUnderTheAdminNameTypedAndAreRefusedBeforeTheirPasswordIsChecked() throws Exception {
        ConsoleAdmin ghost = new ConsoleAdmin(fresh("no-such-admin"), null, null);
        Api anonymous = api.withKey(null);
        for (int i = 0; i <= USER_FAILURES; i++) {
            assertEquals(401, ConsoleAdmin.sendLogin(anonymous, ghost, "123456").statusCode());
        }
        List<JsonObject> lines = api.get("/api/v1/audit?entryPoint=CONSOLE&limit=1000").jsonStructure().asJsonArray().stream()
                .map(JsonValue::asJsonObject).filter(e -> e.getString("actor").equals("console:" + ghost.name())).toList();
        assertEquals(USER_FAILURES, lines.stream().filter(e -> "UNKNOWN_USER".equals(e.getString("reason", null))).count(), lines.toString());
        assertEquals(1, lines.stream().filter(e -> "RATE_LIMITED".equals(e.getString("reason", null))).count(), lines.toString());
    }

    @Test
    void aWrongCurrentPasswordInTheConsoleCountsAsAWrongLoginPasswordAndPastTheLimitEvenTheRightOneIsRefused() throws Exception {
        // The console's requests all come from 127.0.0.1: start this test's count for it at none, and leave none.
        api.delete("/api/v1/rate-limits/source/127.0.0.1");
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        ConsoleAdmin.Held session = ConsoleAdmin.Held.logIn(api.withKey(null), admin, ConsoleAdmin.PASSWORD, 0);
        JsonObject wrong = Json.createObjectBuilder().add("password", "a new password for it").add("currentPassword", "a guess").build();
        for (int i = 0; i < USER_FAILURES; i++) {
            Api.Reply r = session.setPassword(admin.name(), wrong);
            assertEquals("urn:otp-appliance:problem:wrong-password", r.problemType(), r.body());
        }
        Api.Reply right = session.setPassword(admin.name(), Json.createObjectBuilder().add("password", "a new password for it")
                .add("currentPassword", ConsoleAdmin.PASSWORD).build());
        assertEquals(403, right.status(), right.body());
        assertEquals("urn:otp-appliance:problem:rate-limited", right.problemType(), "refused before the password is looked at");
        assertEquals(401, ConsoleAdmin.sendLogin(api.withKey(null), admin, Codes.totp(admin.token(), 1)).statusCode(),
                "the console login of that admin is closed too");

        assertEquals(204, api.delete("/api/v1/rate-limits/user/console:" + admin.name()).status());
        Api.Reply afterLift = session.setPassword(admin.name(), Json.createObjectBuilder().add("password", "a new password for it")
                .add("currentPassword", ConsoleAdmin.PASSWORD).build());
        assertEquals(204, afterLift.status(), afterLift.body());
        assertEquals(204, api.delete("/api/v1/rate-limits/source/127.0.0.1").status());
    }

    @Test
    void failuresForManyUsersFromOneSourceCloseTheSourceAndReplaysDoNotCount() {
        String rhost = fresh("198.51.100");
        String user = api.newUser("sprayed");
        JsonObject t = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        assertEquals("ACCEPT", login(user, Codes.hotp(t, 0), rhost).getString("result"));
        for (int i = 0; i < SOURCE_FAILURES + 3; i++) {
            assertEquals("REJECT", login(user, Codes.hotp(t, 0), rhost).getString("result"), "a replay");
        }
        for (int i = 0; i < SOURCE_FAILURES; i++) {
            JsonObject r = login(fresh("spray"), "000000", rhost);
            assertFalse(r.equals(REFUSED), "below the source's limit");
        }
        assertEquals(REFUSED, login(user, Codes.hotp(t, 1), rhost), "the source is closed, for every user");
        assertEquals("ACCEPT", login(user, Codes.hotp(t, 1), fresh("198.51.101")).getString("result"), "other sources go on");

        List<JsonObject> closed = api.get("/api/v1/rate-limits").jsonStructure().asJsonArray().stream().map(JsonValue::asJsonObject)
                .filter(c -> c.getString("name").equals(rhost)).toList();
        assertEquals(1, closed.size(), closed.toString());
        assertEquals("source", closed.get(0).getString("kind"));
        assertEquals(SOURCE_FAILURES, closed.get(0).getInt("failures"), "the replays were not counted");
        assertEquals(204, api.delete("/api/v1/rate-limits/source/" + rhost).status());
        assertEquals("ACCEPT", login(user, Codes.hotp(t, 2), rhost).getString("result"));
    }
}
