package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The appliance on PostgreSQL, the production store: a fresh database per run, created on the
 * server that {@code OTP_TEST_PG_URL} (a JDBC URL to an existing database, e.g. postgres) points at,
 * with {@code OTP_TEST_PG_USER} / {@code OTP_TEST_PG_PASSWORD}. CI starts one; elsewhere the test
 * is skipped when the variable is unset, and fails when CI is set.
 */
class PostgresIT {
    static Appliance appliance;
    static String database;

    @BeforeAll
    static void start() throws Exception {
        String url = System.getenv("OTP_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            if (System.getenv("CI") != null) {
                fail("OTP_TEST_PG_URL is not set: .ci/run must start PostgreSQL for this test");
            }
            Assumptions.abort("OTP_TEST_PG_URL is not set: no PostgreSQL to test against (set it, or run .ci/run)");
        }
        database = "otp_it_" + System.currentTimeMillis();
        try (Connection c = admin(url); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String applianceUrl = url.substring(0, url.lastIndexOf('/') + 1) + database;
        appliance = Appliance.start(Files.createTempDirectory("otp-pg"), Map.of(
                "OTP_APPLIANCE_DB_URL", applianceUrl,
                "OTP_APPLIANCE_DB_USER", env("OTP_TEST_PG_USER", "postgres"),
                "OTP_APPLIANCE_DB_PASSWORD", env("OTP_TEST_PG_PASSWORD", "")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (appliance != null) {
            appliance.close();
            try (Connection c = admin(System.getenv("OTP_TEST_PG_URL")); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database);
            }
        }
    }

    @Test
    void enrollValidateAndReplayOnPostgres() throws Exception {
        Api api = appliance.api();
        String user = api.newUser("pg");
        JsonObject t = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 0)));
        assertEquals("REJECT", api.validate(user, Codes.hotp(t, 0)));
        assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 3)));
    }

    @Test
    void fiftyConcurrentValidationsOfOneHotpCodeGiveExactlyOneAccept() throws Exception {
        ConcurrencyIT.assertExactlyOnce(appliance.api(), "hotp");
    }

    @Test
    void fiftyConcurrentValidationsOfOneTotpCodeGiveExactlyOneAccept() throws Exception {
        ConcurrencyIT.assertExactlyOnce(appliance.api(), "totp");
    }

    @Test
    void theMigrationForH2OnlyIsRecordedButLeavesTheAuditIndexOnPostgres() throws Exception {
        String url = System.getenv("OTP_TEST_PG_URL");
        try (Connection c = admin(url.substring(0, url.lastIndexOf('/') + 1) + database); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'audit_event_username'), "
                     + "(SELECT COUNT(*) FROM schema_version WHERE version = 5)")) {
            assertTrue(r.next());
            assertEquals(1, r.getInt(1), "PostgreSQL keeps the audit (username, id) index");
            assertEquals(1, r.getInt(2), "version 5 is recorded, so the versions stay one sequence");
        }
    }

    private static Connection admin(String url) throws Exception {
        return DriverManager.getConnection(url, env("OTP_TEST_PG_USER", "postgres"), env("OTP_TEST_PG_PASSWORD", ""));
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }
}
