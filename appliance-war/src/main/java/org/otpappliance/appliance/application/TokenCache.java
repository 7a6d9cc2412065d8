package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.OathParameters;

/**
 * Each user's tokens, decrypted once and kept in memory so that a validation reads nothing from the
 * database. Entries live {@code token-cache-seconds} at most (so changes made on another node are
 * seen), and are dropped at once when this node changes a user's tokens or loses a conditional update.
 */
@ApplicationScoped
public class TokenCache {
    private static final String LOAD = "SELECT u.id, t.id, t.serial, t.token_type, t.algorithm, t.digits, t.period_seconds, "
            + "t.seed_encrypted, s.enabled, s.next_counter, s.last_time_step, s.drift, s.fail_count, s.last_fail_at "
            + "FROM app_user u LEFT JOIN token t ON t.user_id = u.id LEFT JOIN token_state s ON s.token_id = t.id "
            + "WHERE u.username = ? ORDER BY t.id";

    /** A user and their tokens; an empty list for a user without tokens. */
    record UserTokens(long userId, List<OathToken> tokens, long loadedAt) {
    }

    @Inject
    Database database;

    @Inject
    ApplianceConfig config;

    @Inject
    Clock clock;

    private final ConcurrentHashMap<String, UserTokens> byUser = new ConcurrentHashMap<>();
    /** Bumped by every invalidation, so a load that raced with a change is not cached. */
    private final AtomicLong generation = new AtomicLong();

    /** The user's tokens, or null when there is no such user (unknown users are not cached). */
    UserTokens get(String username) {
        long now = clock.millis();
        UserTokens cached = byUser.get(username);
        if (cached != null && now - cached.loadedAt() < config.tokenCacheSeconds() * 1000L) {
            return cached;
        }
        long before = generation.get();
        UserTokens loaded = load(username, now);
        if (loaded != null && generation.get() == before) {
            byUser.put(username, loaded);
        }
        return loaded;
    }

    public void invalidate(String username) {
        generation.incrementAndGet();
        byUser.remove(username);
    }

    private UserTokens load(String username, long now) {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement p = c.prepareStatement(LOAD)) {
            p.setString(1, username);
            try (ResultSet r = p.executeQuery()) {
                Long userId = null;
                List<OathToken> tokens = new ArrayList<>();
                while (r.next()) {
                    userId = r.getLong(1);
                    long tokenId = r.getLong(2);
                    if (r.wasNull()) {
                        continue;
                    }
                    String serial = r.getString(3);
                    TokenType type = TokenType.parse(r.getString(4));
                    HashAlgorithm algorithm = HashAlgorithm.parse(r.getString(5));
                    OathParameters parameters = new OathParameters(algorithm, r.getInt(6), r.getInt(7));
                    byte[] seed = database.seedCipher().decrypt(r.getString(8), serial);
                    tokens.add(new OathToken(tokenId, serial, type, parameters, r.getBoolean(9), seed,
                            r.getLong(10), r.getLong(11), r.getInt(12), r.getInt(13), r.getLong(14)));
                }
                return userId == null ? null : new UserTokens(userId, List.copyOf(tokens), now);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }
}
