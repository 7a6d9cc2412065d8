package org.otpappliance.appliance.infrastructure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Versioned schema migrations: the scripts named in {@code db/migration/index.txt}, in order, each
 * applied once in its own transaction and recorded with a checksum in {@code schema_version}.
 * A script that changed after it was applied stops the start-up: upgrades add new scripts.
 * (An index file instead of classpath scanning, which is unreliable inside an application server.)
 */
public final class SchemaMigrator {
    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class.getName());
    private static final String DIR = "db/migration/";

    private final DataSource dataSource;

    public SchemaMigrator(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void migrate() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, script VARCHAR(200) NOT NULL, "
                        + "checksum VARCHAR(64) NOT NULL, applied_at BIGINT NOT NULL)");
            }
            for (String script : scripts()) {
                int version = Integer.parseInt(script.substring(1, script.indexOf("__")));
                String sql = read(script);
                String checksum = sha256(sql);
                String applied = appliedChecksum(c, version);
                if (applied != null) {
                    if (!applied.equals(checksum)) {
                        throw new IllegalStateException("migration " + script + " changed after it was applied");
                    }
                    continue;
                }
                apply(c, version, script, sql, checksum);
                LOG.info(() -> "Applied schema migration " + script);
            }
        }
    }

    private static void apply(Connection c, int version, String script, String sql, String checksum) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String statement : statements(sql)) {
                s.execute(statement);
            }
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO schema_version (version, script, checksum, applied_at) VALUES (?, ?, ?, ?)")) {
                p.setInt(1, version);
                p.setString(2, script);
                p.setString(3, checksum);
                p.setLong(4, System.currentTimeMillis());
                p.executeUpdate();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static String appliedChecksum(Connection c, int version) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT checksum FROM schema_version WHERE version = ?")) {
            p.setInt(1, version);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /** Splits on ';' at line ends and drops "--" comment lines; the scripts keep to that form. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            String code = line.contains("--") ? line.substring(0, line.indexOf("--")) : line;
            if (code.isBlank()) {
                continue;
            }
            current.append(code).append('\n');
            if (code.stripTrailing().endsWith(";")) {
                String statement = current.toString().strip();
                out.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }

    private static List<String> scripts() {
        List<String> names = new ArrayList<>();
        for (String line : read("index.txt").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }

    private static String read(String name) {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing migration resource " + DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DIR + name, e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
