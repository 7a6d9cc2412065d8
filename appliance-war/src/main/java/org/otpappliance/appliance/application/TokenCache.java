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
 * database. Entries live {@code token-cache-seconds} at most, and are dropped at once when this node
 * changes a user's tokens or loses a conditional update. A copy may lag behind changes made on another
 * node: it may lead to an ACCEPT only through a conditional update that the database confirms, and a
 * refusal it would give is checked on a {@link #reload fresh reading} first (see ValidationService).
 */
@ApplicationScoped
public class TokenCache {
    private static final String LOAD = "SELECT u.id, t.id, t.serial, t.token_type, t.algorithm, t.digits, t.period_seconds, "
            + "t.seed_encrypted, s.enabled, s.next_counter, s.last_time_step, s.drift, s.fail_count, s.last_fail_at, t.public_id, t.destination, t.pin_hash, "
            + "s.pin_version FROM app_user u LEFT JOIN token t ON t.user_id = u.id LEFT JOIN token_state s ON s.token_id = t.id "
            + "WHERE u.username = ? ORDER BY t.id";
    /** The owner of the YubiKey with this public id; for a key without an owner (a bulk import), the key itself. */
    private static final String OWNER_OF_PUBLIC_ID = "SELECT u.username, t.id, t.serial, t.seed_encrypted, s.enabled, s.next_counter, "
            + "s.fail_count, s.last_fail_at, t.pin_hash, s.pin_version FROM token t JOIN token_state s ON s.token_id = t.id "
            + "LEFT JOIN app_user u ON u.id = t.user_id WHERE t.public_id = ?";
    /** Unknown public ids are remembered too (a flood of made-up ids must not become a flood of queries), up to this many. */
    private static final int MAX_REMEMBERED_UNKNOWN = 10_000;

    /** A user and their tokens; an empty list for a user without tokens. */
    record UserTokens(long userId, List<CachedToken> tokens, long loadedAt) {
    }

    /**
     * What a public id names: the YubiKey (null when none) and the user it belongs to (null for a key
     * without an owner), and whether this was read from the database for this request.
     */
    record YubicoLookup(String owner, YubicoToken token, boolean fresh) {
    }

    /**
     * Whose YubiKey a public id names; a null owner when no token has that id, or when the key has no owner, and then
     * {@code unowned} is the key itself (cached here, since no user's tokens hold it).
     */
    private record Owner(String username, YubicoToken unowned, long loadedAt) {
    }

    @Inject
    Database database;

    @Inject
    ApplianceConfig config;

    @Inject
    Clock clock;

    private final ConcurrentHashMap<String, UserTokens> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Owner> byPublicId = new ConcurrentHashMap<>();
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

    /**
     * The user's tokens read from the database now, for a refusal that a copy read earlier must not
     * decide alone (another node may have changed them since); kept as the user's new copy.
     */
    UserTokens reload(String username) {
        long before = generation.get();
        UserTokens loaded = load(username, clock.millis());
        if (loaded == null) {
            byUser.remove(username);
        } else if (generation.get() == before) {
            byUser.put(username, loaded);
        }
        return loaded;
    }

    /**
     * The YubiKey with this public id, from its owner's cached tokens, or cached on its own when it has no owner
     * (imported without a user).
     */
    YubicoLookup yubicoToken(String publicId) {
        long now = clock.millis();
        Owner owner = byPublicId.get(publicId);
        if (owner == null || now - owner.loadedAt() >= config.tokenCacheSeconds() * 1000L) {
            owner = loadOwner(publicId, now);
        }
        return lookup(owner, publicId, now, false);
    }

    /**
     * The YubiKey with this public id as the database has it now, for a refusal that a copy read earlier
     * must not decide alone (another node may have enrolled, enabled or unlocked it since); kept as the new copy.
     */
    YubicoLookup yubicoTokenNow(String publicId) {
        long now = clock.millis();
        return lookup(loadOwner(publicId, now), publicId, now, true);
    }

    private Owner loadOwner(String publicId, long now) {
        long before = generation.get();
        Owner owner = ownerOf(publicId, now);
        if (generation.get() == before && (owner.username() != null || owner.unowned() != null
                || byPublicId.size() < MAX_REMEMBERED_UNKNOWN)) {
            byPublicId.put(publicId, owner);
        }
        return owner;
    }

    private YubicoLookup lookup(Owner owner, String publicId, long now, boolean reloadOwner) {
        if (owner.username() == null) {
            return new YubicoLookup(null, owner.unowned(), owner.loadedAt() >= now);
        }
        UserTokens user = reloadOwner ? reload(owner.username()) : get(owner.username());
        YubicoToken token = null;
        if (user != null) {
            for (CachedToken t : user.tokens()) {
                if (t instanceof YubicoToken y && y.publicId.equals(publicId)) {
                    token = y;
                }
            }
        }
        return new YubicoLookup(owner.username(), token, user == null || user.loadedAt() >= now);
    }

    /**
     * Drops what is cached of the user's tokens (nothing is cached for a null user), and what is cached by public id,
     * YubiKeys without an owner included: call it with null after changing a token that has no owner.
     */
    public void invalidate(String username) {
        generation.incrementAndGet();
        if (username != null) {
            byUser.remove(username);
        }
        // Public ids move with enrollments and deletions, which are rare: forget them all.
        byPublicId.clear();
    }

    private Owner ownerOf(String publicId, long now) {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement p = c.prepareStatement(OWNER_OF_PUBLIC_ID)) {
            p.setString(1, publicId);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    return new Owner(null, null, now);
                }
                String username = r.getString(1);
                if (username != null) {
                    return new Owner(username, null, now);
                }
                String serial = r.getString(3);
                byte[] secret = database.seedCipher().decrypt(r.getString(4), serial);
                return new Owner(null, new YubicoToken(r.getLong(2), serial, r.getBoolean(5), r.getString(9), r.getInt(10), publicId,
                        secret, r.getLong(6), r.getInt(7), r.getLong(8)), now);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    private UserTokens load(String username, long now) {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement p = c.prepareStatement(LOAD)) {
            p.setString(1, username);
            try (ResultSet r = p.executeQuery()) {
                Long userId = null;
                List<CachedToken> tokens = new ArrayList<>();
                while (r.next()) {
                    userId = r.getLong(1);
                    long tokenId = r.getLong(2);
                    if (r.wasNull()) {
                        continue;
                    }
                    String serial = r.getString(3);
                    TokenType type = TokenType.parse(r.getString(4));
                    if (type.sendsCodes()) {
                        tokens.add(new ChallengeToken(tokenId, serial, type, r.getBoolean(9), r.getString(17), r.getInt(18),
                                r.getString(16), r.getInt(13), r.getLong(14)));
                    } else if (type == TokenType.YUBICO) {
                        byte[] secret = database.seedCipher().decrypt(r.getString(8), serial);
                        tokens.add(new YubicoToken(tokenId, serial, r.getBoolean(9), r.getString(17), r.getInt(18), r.getString(15),
                                secret, r.getLong(10), r.getInt(13), r.getLong(14)));
                    } else {
                        OathParameters parameters = new OathParameters(HashAlgorithm.parse(r.getString(5)), r.getInt(6), r.getInt(7));
                        byte[] seed = database.seedCipher().decrypt(r.getString(8), serial);
                        tokens.add(new OathToken(tokenId, serial, type, parameters, r.getBoolean(9), r.getString(17), r.getInt(18),
                                seed, r.getLong(10), r.getLong(11), r.getInt(12), r.getInt(13), r.getLong(14)));
                    }
                }
                return userId == null ? null : new UserTokens(userId, List.copyOf(tokens), now);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }
}
