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
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
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
    static Appliance appliance;
    static String database;
    static String applianceUrl;
    static Path pamSocket;

    @BeforeAll
    static void start() throws Exception {
        String url = System.getenv("OTP_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            if (System.getenv("CI") != null) {
                fail("OTP_TEST_PG_URL is not set: .ci/run must start PostgreSQL for this test");
            }
            Assumptions.abort("OTP_TEST_PG_URL is not set: no PostgreSQL to test against (set it, or run .ci/run)");
        }
        database = "otp_outage_" + System.currentTimeMillis();
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        applianceUrl = url.substring(0, url.lastIndexOf('/') + 1) + database;
        Path dataDir = Files.createTempDirectory("otp-outage");
        pamSocket = dataDir.resolve("pam.sock");
        appliance = Appliance.start(dataDir, Map.of(
                "OTP_APPLIANCE_DB_URL", applianceUrl,
                "OTP_APPLIANCE_DB_USER", env("OTP_TEST_PG_USER", "postgres"),
                "OTP_APPLIANCE_DB_PASSWORD", env("OTP_TEST_PG_PASSWORD", ""),
                "OTP_APPLIANCE_PAM_SOCKET", pamSocket.toString(),
                "OTP_APPLIANCE_PAM_ALLOWED_USERS", System.getProperty("user.name")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (appliance != null) {
            appliance.close();
            try (Connection c = connect(System.getenv("OTP_TEST_PG_URL")); Statement s = c.createStatement()) {
                s.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
                s.execute("DROP DATABASE IF EXISTS " + database);
            }
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
        try (Connection c = connect(System.getenv("OTP_TEST_PG_URL")); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS " + !close);
            if (close) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
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

    private static Connection connect(String url) throws Exception {
        return DriverManager.getConnection(url, env("OTP_TEST_PG_USER", "postgres"), env("OTP_TEST_PG_PASSWORD", ""));
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }
}
