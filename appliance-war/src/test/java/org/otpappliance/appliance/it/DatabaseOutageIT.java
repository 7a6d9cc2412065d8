package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;
import org.otpappliance.pam.protocol.Frames;

/**
 * A node whose PostgreSQL database stops taking connections fails closed at every entry point with
 * a clear error, spends nothing, and goes on from what the database holds once it is back. The
 * outage is real: the database is closed to new connections ({@code ALLOW_CONNECTIONS false}, which
 * binds superusers too) and the node's open connections are ended.
 */
class DatabaseOutageIT {
    static PostgresDatabase database;
    static Appliance appliance;
    static Path pamSocket;

    @BeforeAll
    static void start() throws Exception {
        database = PostgresDatabase.create("otp_outage", "DatabaseOutageIT");
        Path dataDir = Files.createTempDirectory("otp-outage");
        pamSocket = dataDir.resolve("pam.sock");
        Map<String, String> env = new HashMap<>(database.applianceEnv());
        env.put("OTP_APPLIANCE_PAM_SOCKET", pamSocket.toString());
        env.put("OTP_APPLIANCE_PAM_ALLOWED_USERS", System.getProperty("user.name"));
        appliance = Appliance.start(dataDir, env);
    }

    @AfterAll
    static void stop() throws Exception {
        if (appliance != null) {
            appliance.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void whileTheDatabaseIsUnreachableEveryEntryPointFailsClosedAndNothingIsSpent() throws Exception {
        Api api = appliance.api();
        String user = api.newUser("outage");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        assertEquals("ACCEPT", api.validate(user, Codes.hotp(token, 0)));

        closeDatabase(true);
        try {
            // The node still holds the user's tokens in memory: it decides, and the commit fails.
            Api.Reply rest = api.validateReply(user, Codes.hotp(token, 1));
            assertEquals(503, rest.status(), rest.body());
            assertTrue(rest.problemType().endsWith("store-unavailable"), rest.body());
            assertEquals(Answer.Result.ERROR, pam(user, Codes.hotp(token, 2)).result(), "PAM: no decision, so PAM_AUTHINFO_UNAVAIL");
            Api.Reply ready = api.get("/health/ready");
            assertEquals(503, ready.status(), ready.body());
            assertTrue(ready.body().contains("DOWN"), ready.body());
        } finally {
            closeDatabase(false);
        }

        awaitReady(api);
        // Nothing of the outage was spent: the codes tried during it are still good, once each.
        assertEquals("ACCEPT", api.validate(user, Codes.hotp(token, 1)));
        assertEquals(Answer.Result.ACCEPT, pam(user, Codes.hotp(token, 2)).result());
        assertEquals("REJECT", api.validate(user, Codes.hotp(token, 0)), "a code spent before the outage stays spent");
        assertEquals("REJECT", api.validate(user, Codes.hotp(token, 1)));
    }

    /** Closes the database to new connections and ends the open ones, or opens it again. */
    static void closeDatabase(boolean close) throws Exception {
        try (Connection c = PostgresDatabase.server(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database.name + " ALLOW_CONNECTIONS " + !close);
            if (close) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database.name + "'");
            }
        }
    }

    static void awaitReady(Api api) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (api.get("/health/ready").status() != 200) {
            if (Instant.now().isAfter(deadline)) {
                fail("the node did not report ready within 60 s of the database coming back");
            }
            Thread.sleep(250);
        }
    }

    static Answer pam(String user, String code) throws Exception {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(pamSocket))) {
            OutputStream out = Channels.newOutputStream(channel);
            Frames.writeRequest(out, new AuthenticateRequest("sshd", user, "192.0.2.7", "ssh", code, ""));
            InputStream in = Channels.newInputStream(channel);
            return Frames.readAnswer(in);
        }
    }
}
