package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.ConsoleSessionStore;
import org.otpappliance.appliance.infrastructure.Database;

/**
 * Console sessions, kept in the database so that every node knows them: a random session id (the
 * cookie), an idle timeout and a maximum age. Only a SHA-256 of each id is stored, so neither the
 * database nor a heap dump hands out live sessions. The CSRF token is derived from the id (a hash
 * of it under another label): only the holder of the cookie can know it, and it need not be stored.
 * Deleting an admin account ends its sessions on every node (the rows go with the account), and so does a new
 * password (but for the session that set it).
 */
@ApplicationScoped
public class ConsoleSessions {
    private static final int ID_BYTES = 32;
    /** How often a session's last use is written: its idle timeout holds to within this. */
    static final long SEEN_EVERY_MILLIS = 30_000;

    @Inject
    ApplianceConfig config;

    @Inject
    Clock clock;

    @Inject
    Database database;

    /** The store; the database's, unless a test gives one. */
    ConsoleSessionStore store;

    private final SecureRandom random = new SecureRandom();

    /** A logged-in admin. {@code csrfToken} must come back with every state-changing request. */
    public static final class Session {
        private final AdminAccountService.Admin admin;
        private final String csrfToken;

        Session(AdminAccountService.Admin admin, String csrfToken) {
            this.admin = admin;
            this.csrfToken = csrfToken;
        }

        public String admin() {
            return admin.username();
        }

        public String user() {
            return admin.user();
        }

        public String csrfToken() {
            return csrfToken;
        }

        /** Whether {@code token} is this session's CSRF token, compared in constant time. */
        public boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.UTF_8),
                    token.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A new session: its id (for the cookie only) and the session. */
    public record Started(String id, Session session) {
    }

    /** Starts a session of a logged-in admin; the expired sessions of everyone go first. */
    public Started start(AdminAccountService.Admin admin) {
        long now = clock.millis();
        String id = randomToken();
        try {
            store().purge(now - idleMillis(), now - maxAgeMillis());
            if (!store().insert(hash("session", id), admin.username(), now)) {
                throw new IllegalStateException("the admin account " + admin.username() + " was deleted during its login");
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
        return new Started(id, new Session(admin, hash("csrf", id)));
    }

    /** The live session with this id, which counts as activity; empty when there is none or it has expired. */
    public Optional<Session> touch(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        String key = hash("session", id);
        long now = clock.millis();
        try {
            Optional<ConsoleSessionStore.Row> row = store().find(key);
            if (row.isEmpty()) {
                return Optional.empty();
            }
            ConsoleSessionStore.Row r = row.get();
            if (now - r.lastSeen() >= idleMillis() || now - r.startedAt() >= maxAgeMillis()) {
                store().delete(key);
                return Optional.empty();
            }
            if (now - r.lastSeen() >= SEEN_EVERY_MILLIS) {
                store().seen(key, now);
            }
            return Optional.of(new Session(new AdminAccountService.Admin(r.admin(), r.user()), hash("csrf", id)));
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    public void end(String id) {
        if (id == null) {
            return;
        }
        try {
            store().delete(hash("session", id));
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    /** Ends every session of the admin, on every node, but the one with id {@code keep} (null: all of them). */
    public void endAllOf(String admin, String keep) {
        try {
            // No stored hash is empty, so "" keeps none.
            store().deleteAllOf(admin, keep == null ? "" : hash("session", keep));
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    public long idleTimeoutSeconds() {
        return config.consoleIdleTimeoutMinutes() * 60L;
    }

    private ConsoleSessionStore store() {
        return store != null ? store : database.consoleSessions();
    }

    private long idleMillis() {
        return config.consoleIdleTimeoutMinutes() * 60_000L;
    }

    private long maxAgeMillis() {
        return config.consoleMaxSessionHours() * 3_600_000L;
    }

    private String randomToken() {
        byte[] b = new byte[ID_BYTES];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** SHA-256 of the label and the id: "session" names the stored key, "csrf" the CSRF token. */
    private static String hash(String label, String id) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest((label + "\n" + id).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
