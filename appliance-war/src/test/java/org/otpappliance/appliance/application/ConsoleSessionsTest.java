package org.otpappliance.appliance.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.config.ApplianceConfig;

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

    @BeforeEach
    void wire() {
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
    void deletingAnAdminEndsAllTheirSessions() {
        ConsoleSessions.Started one = sessions.start(jane);
        ConsoleSessions.Started two = sessions.start(jane);
        ConsoleSessions.Started other = sessions.start(new AdminAccountService.Admin("joe", "ops-joe"));
        sessions.endAll("jane");
        assertFalse(sessions.touch(one.id()).isPresent());
        assertFalse(sessions.touch(two.id()).isPresent());
        assertTrue(sessions.touch(other.id()).isPresent());
    }
}
