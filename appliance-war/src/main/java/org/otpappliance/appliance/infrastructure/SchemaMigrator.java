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
import java.util.Locale;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Versioned schema migrations: the scripts named in {@code db/migration/index.txt}, in order, each
 * applied once in its own transaction and recorded with a checksum in {@code schema_version}.
 * A script that changed after it was applied stops the start-up: upgrades add new scripts.
 * (An index file instead of classpath scanning, which is unreliable inside an application server.)
 *
 * <p>A line of the index may name the one database the script is for ({@code V5__x.sql h2}): on
 * any other the script is recorded as applied without running, so versions stay one sequence.
 */
public final class SchemaMigrator {
    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class.getName());
    private static final String DIR = "db/migration/";
    /** The PostgreSQL advisory lock the nodes of one database migrate under (any number no other application uses). */
    private static final long MIGRATION_LOCK = 0x4f54505f4d494752L;

    private final DataSource dataSource;

    public SchemaMigrator(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void migrate() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            String database = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
            // Nodes started together on one PostgreSQL database take turns: the first migrates, the others
            // then find every script applied. (An H2 file has one node: it is locked by the process.)
            boolean shared = database.equals("postgresql");
            if (shared) {
                execute(c, "SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
            }
            try {
                migrate(c, database);
            } finally {
                if (shared) {
                    execute(c, "SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
                }
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private void migrate(Connection c, String database) throws SQLException {
        execute(c, "CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, script VARCHAR(200) NOT NULL, "
                + "checksum VARCHAR(64) NOT NULL, applied_at BIGINT NOT NULL)");
        for (Script entry : scripts()) {
            String script = entry.name();
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
            boolean runs = entry.database() == null || entry.database().equals(database);
            apply(c, version, script, runs ? sql : "", checksum);
            LOG.info(() -> (runs ? "Applied schema migration " : "Recorded schema migration (not for this database) ") + script);
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

    /** A script of the index, and the one database it is for (JDBC product name in lower case), or null for all. */
    record Script(String name, String database) {
    }

    static List<Script> scripts() {
        List<Script> scripts = new ArrayList<>();
        for (String line : read("index.txt").split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (!words[0].isEmpty()) {
                scripts.add(new Script(words[0], words.length > 1 ? words[1].toLowerCase(Locale.ROOT) : null));
            }
        }
        return scripts;
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
