package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.otpappliance.appliance.config.ApplianceConfig;

/**
 * Console sessions, in this node's memory: a random session id (the cookie) and a random CSRF
 * token per login, an idle timeout and a maximum age. Only a SHA-256 of each id is kept as the key,
 * so a heap dump does not hand out live sessions. A restart ends every session.
 */
@ApplicationScoped
public class ConsoleSessions {
    private static final int ID_BYTES = 32;

    @Inject
    ApplianceConfig config;

    @Inject
    Clock clock;

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Session> byIdHash = new ConcurrentHashMap<>();

    /** A logged-in admin. {@code csrfToken} must come back with every state-changing request. */
    public static final class Session {
        private final AdminAccountService.Admin admin;
        private final String csrfToken;
        private final long startedAt;
        private volatile long lastSeen;

        Session(AdminAccountService.Admin admin, String csrfToken, long now) {
            this.admin = admin;
            this.csrfToken = csrfToken;
            this.startedAt = now;
            this.lastSeen = now;
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

    public Started start(AdminAccountService.Admin admin) {
        long now = clock.millis();
        byIdHash.values().removeIf(s -> expired(s, now));
        String id = randomToken();
        Session s = new Session(admin, randomToken(), now);
        byIdHash.put(hash(id), s);
        return new Started(id, s);
    }

    /** The live session with this id, which counts as activity; empty when there is none or it has expired. */
    public Optional<Session> touch(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        String key = hash(id);
        Session s = byIdHash.get(key);
        long now = clock.millis();
        if (s == null || expired(s, now)) {
            if (s != null) {
                byIdHash.remove(key, s);
            }
            return Optional.empty();
        }
        s.lastSeen = now;
        return Optional.of(s);
    }

    public void end(String id) {
        if (id != null) {
            byIdHash.remove(hash(id));
        }
    }

    /** Ends every session of an admin (their account was deleted). */
    public void endAll(String admin) {
        byIdHash.values().removeIf(s -> s.admin().equals(admin));
    }

    public long idleTimeoutSeconds() {
        return config.consoleIdleTimeoutMinutes() * 60L;
    }

    private boolean expired(Session s, long now) {
        return now - s.lastSeen >= config.consoleIdleTimeoutMinutes() * 60_000L
                || now - s.startedAt >= config.consoleMaxSessionHours() * 3_600_000L;
    }

    private String randomToken() {
        byte[] b = new byte[ID_BYTES];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String hash(String id) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
