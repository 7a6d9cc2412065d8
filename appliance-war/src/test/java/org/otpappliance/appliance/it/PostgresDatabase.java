package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL database of a test's own, created on the server that {@code OTP_TEST_PG_URL} (with
 * {@code OTP_TEST_PG_USER} and {@code OTP_TEST_PG_PASSWORD}) names — {@code .ci/postgres.sh} starts
 * one and sets them — and dropped on {@link #close()}. Without that server the test fails when CI
 * is set and is skipped, saying why, elsewhere.
 */
final class PostgresDatabase implements AutoCloseable {
    final String name;
    /** The JDBC URL of this database. */
    final String url;

    private PostgresDatabase(String name, String url) {
        this.name = name;
        this.url = url;
    }

    /** Fails the test when CI is set and there is no PostgreSQL server to test against; skips it elsewhere. */
    static void require(String test) {
        String server = System.getenv("OTP_TEST_PG_URL");
        if (server == null || server.isBlank()) {
            if (System.getenv("CI") != null) {
                fail("OTP_TEST_PG_URL is not set: .ci/run must start PostgreSQL for " + test);
            }
            Assumptions.abort(test + " needs PostgreSQL: OTP_TEST_PG_URL is not set (source .ci/postgres.sh, or run .ci/run)");
        }
    }

    /** Creates {@code <prefix>_<millis>}; call it before anything else of the test. */
    static PostgresDatabase create(String prefix, String test) throws Exception {
        require(test);
        String server = System.getenv("OTP_TEST_PG_URL");
        String name = prefix + "_" + System.currentTimeMillis();
        try (Connection c = server(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new PostgresDatabase(name, server.substring(0, server.lastIndexOf('/') + 1) + name);
    }

    /** A connection to the server's own database, for creating, closing and dropping ours. */
    static Connection server() throws Exception {
        return DriverManager.getConnection(System.getenv("OTP_TEST_PG_URL"), user(), password());
    }

    /** A connection to this database, for looking at what the appliance stored. */
    Connection connect() throws Exception {
        return DriverManager.getConnection(url, user(), password());
    }

    /** The settings that point an appliance at this database. */
    Map<String, String> applianceEnv() {
        return Map.of("OTP_APPLIANCE_DB_URL", url, "OTP_APPLIANCE_DB_USER", user(), "OTP_APPLIANCE_DB_PASSWORD", password());
    }

    @Override
    public void close() throws Exception {
        try (Connection c = server(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
            s.execute("DROP DATABASE IF EXISTS " + name);
        }
    }

    private static String user() {
        String v = System.getenv("OTP_TEST_PG_USER");
        return v == null ? "postgres" : v;
    }

    private static String password() {
        String v = System.getenv("OTP_TEST_PG_PASSWORD");
        return v == null ? "" : v;
    }
}
