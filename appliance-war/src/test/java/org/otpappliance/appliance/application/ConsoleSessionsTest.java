package org.otpappliance.appliance.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.ConsoleSessionStore;
import org.otpappliance.appliance.infrastructure.SchemaMigrator;

class ConsoleSessionsTest {
    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        long millis = 1_800_000_000_000L;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    final ManualClock clock = new ManualClock();
    final ConsoleSessions sessions = new ConsoleSessions();
    final AdminAccountService.Admin jane = new AdminAccountService.Admin("jane", "ops-jane");
    DataSource db;

    @BeforeEach
    void wire() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        db = h2;
        new SchemaMigrator(db).migrate();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String name : List.of("jane", "joe")) {
                s.execute("INSERT INTO app_user (username, created_at) VALUES ('ops-" + name + "', 1)");
                s.execute("INSERT INTO admin_account (username, password_hash, user_id, created_at) "
                        + "SELECT '" + name + "', 'not used here', id, 1 FROM app_user WHERE username = 'ops-" + name + "'");
            }
        }
        wire(sessions);
    }

    /** A node's sessions: this test's clock, settings and database. */
    void wire(ConsoleSessions sessions) {
        sessions.store = new ConsoleSessionStore(db);
        sessions.clock = clock;
        sessions.config = new ApplianceConfig() {
            @Override
            public int consoleIdleTimeoutMinutes() {
                return 15;
            }

            @Override
            public int consoleMaxSessionHours() {
                return 8;
            }
        };
    }

    @Test
    void aSessionLivesWhileUsedAndEndsAfterTheIdleTimeout() {
        ConsoleSessions.Started s = sessions.start(jane);
        clock.millis += 14 * 60_000L;
        assertEquals("jane", sessions.touch(s.id()).orElseThrow().admin());
        clock.millis += 14 * 60_000L;
        assertTrue(sessions.touch(s.id()).isPresent(), "each request restarts the idle time");
        clock.millis += 15 * 60_000L;
        assertFalse(sessions.touch(s.id()).isPresent());
    }

    @Test
    void aBusySessionStillEndsAtItsMaximumAge() {
        ConsoleSessions.Started s = sessions.start(jane);
        for (int i = 0; i < 8 * 6 - 1; i++) {
            clock.millis += 10 * 60_000L;
            assertTrue(sessions.touch(s.id()).isPresent());
        }
        clock.millis += 10 * 60_000L;
        assertFalse(sessions.touch(s.id()).isPresent());
    }

    @Test
    void logoutEndsTheSessionAndUnknownIdsFindNothing() {
        ConsoleSessions.Started s = sessions.start(jane);
        assertFalse(sessions.touch(s.id() + "x").isPresent());
        assertFalse(sessions.touch(null).isPresent());
        sessions.end(s.id());
        assertFalse(sessions.touch(s.id()).isPresent());
    }

    @Test
    void onlyTheSessionsOwnCsrfTokenMatches() {
        ConsoleSessions.Session a = sessions.start(jane).session();
        ConsoleSessions.Session b = sessions.start(jane).session();
        assertTrue(a.csrfMatches(a.csrfToken()));
        assertFalse(a.csrfMatches(b.csrfToken()));
        assertFalse(a.csrfMatches(null));
        assertFalse(a.csrfMatches(""));
    }

    @Test
    void aSessionStartedOnOneNodeIsKnownOnAnotherWithTheSameCsrfTokenAndEndsOnBoth() {
        ConsoleSessions other = new ConsoleSessions();
        wire(other);
        ConsoleSessions.Started s = sessions.start(jane);
        ConsoleSessions.Session there = other.touch(s.id()).orElseThrow();
        assertEquals("jane", there.admin());
        assertEquals("ops-jane", there.user());
        assertTrue(there.csrfMatches(s.session().csrfToken()), "the CSRF token is derived from the id, the same on every node");
        other.end(s.id());
        assertFalse(sessions.touch(s.id()).isPresent());
    }

    @Test
    void onlyAHashOfTheIdIsStored() throws Exception {
        ConsoleSessions.Started s = sessions.start(jane);
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT id_hash FROM console_session")) {
            assertTrue(r.next());
            assertFalse(r.getString(1).contains(s.id()));
            assertFalse(r.getString(1).equals(s.session().csrfToken()));
        }
    }

    @Test
    void deletingAnAdminEndsAllTheirSessions() throws Exception {
        ConsoleSessions.Started one = sessions.start(jane);
        ConsoleSessions.Started two = sessions.start(jane);
        ConsoleSessions.Started other = sessions.start(new AdminAccountService.Admin("joe", "ops-joe"));
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM admin_account WHERE username = 'jane'");
        }
        assertFalse(sessions.touch(one.id()).isPresent());
        assertFalse(sessions.touch(two.id()).isPresent());
        assertTrue(sessions.touch(other.id()).isPresent());
    }

    @Test
    void endAllOfEndsTheAdminsSessionsButTheOneKept() {
        ConsoleSessions.Started kept = sessions.start(jane);
        ConsoleSessions.Started ended = sessions.start(jane);
        ConsoleSessions.Started other = sessions.start(new AdminAccountService.Admin("joe", "ops-joe"));
        sessions.endAllOf("jane", kept.id());
        assertTrue(sessions.touch(kept.id()).isPresent());
        assertFalse(sessions.touch(ended.id()).isPresent());
        assertTrue(sessions.touch(other.id()).isPresent(), "another admin's session goes on");
        sessions.endAllOf("jane", null);
        assertFalse(sessions.touch(kept.id()).isPresent(), "null keeps none");
    }
}
