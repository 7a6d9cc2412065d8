package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The appliance on PostgreSQL, the production store: a fresh database per run, created on the
 * server that {@code OTP_TEST_PG_URL} (a JDBC URL to an existing database, e.g. postgres) points at,
 * with {@code OTP_TEST_PG_USER} / {@code OTP_TEST_PG_PASSWORD}. CI starts one; elsewhere the test
 * is skipped when the variable is unset, and fails when CI is set.
 */
class PostgresIT {
    static PostgresDatabase database;
    static Appliance appliance;

    @BeforeAll
    static void start() throws Exception {
        database = PostgresDatabase.create("otp_it", "PostgresIT");
        appliance = Appliance.start(Files.createTempDirectory("otp-pg"), database.applianceEnv());
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
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'audit_event_username'), "
                     + "(SELECT COUNT(*) FROM schema_version WHERE version = 5)")) {
            assertTrue(r.next());
            assertEquals(1, r.getInt(1), "PostgreSQL keeps the audit (username, id) index");
            assertEquals(1, r.getInt(2), "version 5 is recorded, so the versions stay one sequence");
        }
    }
}
