package org.otpappliance.appliance.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class SchemaMigratorTest {
    @Test
    void migrationsApplyOnceAndKeepTheData() throws Exception {
        DataSource ds = H2.fresh();
        new SchemaMigrator(ds).migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO app_user (username, created_at) VALUES ('alice', 1)");
        }
        new SchemaMigrator(ds).migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT COUNT(*) FROM app_user), (SELECT COUNT(*) FROM schema_version)")) {
            r.next();
            assertEquals(1, r.getInt(1), "an upgrade keeps the data");
            assertEquals(SchemaMigrator.scripts().size(), r.getInt(2), "each script is recorded once");
        }
    }

    @Test
    void aScriptForAnotherDatabaseIsRecordedWithoutRunning() throws Exception {
        List<SchemaMigrator.Script> scripts = SchemaMigrator.scripts();
        assertTrue(scripts.stream().anyMatch(s -> "h2".equals(s.database())), "the index names a script for H2 only");
        assertTrue(scripts.stream().allMatch(s -> s.database() == null || s.database().equals("h2") || s.database().equals("postgresql")));
        DataSource ds = H2.fresh();
        new SchemaMigrator(ds).migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM information_schema.indexes WHERE index_name = 'AUDIT_EVENT_USERNAME'")) {
            r.next();
            assertEquals(0, r.getInt(1), "the H2-only script ran on H2");
        }
    }

    @Test
    void aScriptChangedAfterItWasAppliedStopsTheStart() throws Exception {
        DataSource ds = H2.fresh();
        new SchemaMigrator(ds).migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 1");
        }
        assertThrows(IllegalStateException.class, () -> new SchemaMigrator(ds).migrate());
    }

    @Test
    void scriptsSplitIntoStatementsWithoutComments() {
        List<String> statements = SchemaMigrator.statements("-- a comment\nCREATE TABLE a (x INT); -- trailing\n\n"
                + "CREATE TABLE b (\n  y INT -- inside\n);\n");
        assertEquals(List.of("CREATE TABLE a (x INT)", "CREATE TABLE b (\n  y INT \n)"), statements);
    }
}
