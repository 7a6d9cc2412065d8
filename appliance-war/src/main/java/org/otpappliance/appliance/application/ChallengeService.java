package org.otpappliance.appliance.application;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.otp.token.Destination;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.VerificationResult.Reason;

/**
 * Challenges of SMS and e-mail tokens: a code made for one transaction, sent to the user, usable
 * once, for a short time, with a few attempts. The code is never stored, only its HMAC under a key
 * derived from the master key. Starting a challenge checks the send limits and records the
 * challenge in one short transaction (the token's state row locked, so concurrent requests, on any
 * node, count each other); the message is sent after that transaction, never inside it.
 */
@ApplicationScoped
public class ChallengeService {
    /** Admits one more attempt while the challenge is open: the counter is spent before the code is judged. */
    static final String ADMIT_ATTEMPT = "UPDATE challenge SET attempts = attempts + 1 WHERE transaction_id = ? "
            + "AND attempts < ? AND used = FALSE AND delivered = TRUE AND expires_at > ?";
    static final String SPEND = "UPDATE challenge SET used = TRUE WHERE transaction_id = ? AND used = FALSE";
    /** Locks the token's state row, and reads what a challenge needs of it: still enabled, still the PIN the node checked. */
    private static final String LOCK_TOKEN = "SELECT enabled, pin_version FROM token_state WHERE token_id = ? FOR UPDATE";
    private static final String LAST_DELIVERED = "SELECT MAX(created_at) FROM challenge WHERE user_id = ? AND token_id = ? "
            + "AND delivered = TRUE AND created_at > ?";
    private static final String SENT_TO_USER = "SELECT COUNT(*) FROM challenge WHERE user_id = ? AND created_at > ? AND kind = 'SENT'";
    private static final String SENT_TO_DESTINATION = "SELECT COUNT(*) FROM challenge WHERE destination = ? AND created_at > ?";
    private static final String INSERT = "INSERT INTO challenge (transaction_id, token_id, user_id, destination, code_hash, "
            + "created_at, expires_at, attempts, delivered, used, kind) VALUES (?, ?, ?, ?, ?, ?, ?, 0, FALSE, FALSE, 'SENT')";
    /** A PIN challenge sends nothing: it is delivered at once, and counts for no send limit. */
    private static final String INSERT_PIN = "INSERT INTO challenge (transaction_id, token_id, user_id, destination, code_hash, "
            + "created_at, expires_at, attempts, delivered, used, kind) VALUES (?, ?, ?, '', '', ?, ?, 0, TRUE, FALSE, 'PIN')";
    private static final String FORGET_OLD = "DELETE FROM challenge WHERE created_at < ?";
    private static final String MARK_DELIVERED = "UPDATE challenge SET delivered = TRUE WHERE transaction_id = ?";
    private static final String FIND = "SELECT token_id, user_id, code_hash, expires_at, attempts, delivered, used, kind "
            + "FROM challenge WHERE transaction_id = ?";
    private static final long HOUR_MILLIS = 3_600_000;
    /** Rows serve the hourly limits; a day later they serve nothing. */
    private static final long KEEP_MILLIS = 24 * HOUR_MILLIS;
    /** Transaction ids are 128 random bits, Base64url: 22 characters. */
    private static final int MAX_TRANSACTION_ID_LENGTH = 64;

    @Inject
    ApplianceConfig config;

    @Inject
    Database database;

    @Inject
    CodeSender sender;

    private final SecureRandom random = new SecureRandom();
    private byte[] codeKey;

    @PostConstruct
    void init() {
        codeKey = database.seedCipher().derive("otp-appliance challenge code v1");
    }

    /** The outcome of asking for a code: sent (with the transaction id and what to tell the user), or refused. */
    sealed interface Started {
    }

    record Sent(String transactionId, String message) implements Started {
    }

    record Refused(Reason reason, String message) implements Started {
    }

    /**
     * Nothing sent: the node's copy of the token is behind the database (the token was disabled or
     * deleted, or its PIN changed, through another node). The caller reads the token again.
     */
    record Stale() implements Started {
    }

    /** A challenge as recorded; {@code pin} when it followed a PIN typed alone (the answer is then the token's own code). */
    record Pending(String transactionId, long tokenId, long userId, String codeHash, long expiresAt, int attempts,
                   boolean delivered, boolean used, boolean pin) {
    }

    /**
     * Sends a new code for the token, unless a limit says no.
     *
     * @throws DeliveryFailedException when the message could not be sent; the challenge is then unusable
     */
    Started start(long userId, ChallengeToken token, long now) {
        String transactionId = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(16));
        String code = newCode();
        Optional<Started> refused = record(userId, token, transactionId, hash(transactionId, code), now);
        if (refused.isPresent()) {
            return refused.get();
        }
        // No transaction is open while the gateway or mail server is slow; until marked delivered
        // the challenge accepts nothing, and if sending fails it stays so (still counting for the limits).
        sender.send(token.type, token.destination, code, config.challengeValiditySeconds());
        execute(MARK_DELIVERED, transactionId);
        String where = token.type == TokenType.SMS ? "by SMS to " + Destination.maskPhone(token.destination)
                : "by e-mail to " + Destination.maskEmail(token.destination);
        return new Sent(transactionId, "a code was sent " + where + "; enter it to log in");
    }

    /**
     * "PIN first, then code": the user typed the PIN of a token whose code they hold (TOTP, HOTP,
     * YubiKey) and nothing else. Nothing is sent; the answer asks for the code.
     */
    Started startPin(long userId, CachedToken token, long now) {
        String transactionId = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(16));
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!current(c, token)) {
                    c.rollback();
                    return new Stale();
                }
                try (PreparedStatement p = c.prepareStatement(INSERT_PIN)) {
                    p.setString(1, transactionId);
                    p.setLong(2, token.id);
                    p.setLong(3, userId);
                    p.setLong(4, now);
                    p.setLong(5, now + config.challengeValiditySeconds() * 1000L);
                    p.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
        return new Sent(transactionId, token.type == TokenType.YUBICO ? "touch your YubiKey to enter its code"
                : "enter the code from your token");
    }

    /** The challenge with this id, if there is one. */
    Optional<Pending> find(String transactionId) {
        if (transactionId.isEmpty() || transactionId.length() > MAX_TRANSACTION_ID_LENGTH) {
            return Optional.empty();
        }
        try (Connection c = database.dataSource().getConnection(); PreparedStatement p = c.prepareStatement(FIND)) {
            p.setString(1, transactionId);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(new Pending(transactionId, r.getLong(1), r.getLong(2), r.getString(3), r.getLong(4),
                        r.getInt(5), r.getBoolean(6), r.getBoolean(7), "PIN".equals(r.getString(8)))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    /** Whether the code is the challenge's, compared in constant time. */
    boolean matches(Pending p, String code) {
        return MessageDigest.isEqual(hash(p.transactionId(), code).getBytes(StandardCharsets.US_ASCII),
                p.codeHash().getBytes(StandardCharsets.US_ASCII));
    }

    private Optional<Started> record(long userId, ChallengeToken token, String transactionId, String codeHash, long now) {
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                Optional<Started> refused = current(c, token) ? limits(c, userId, token, now) : Optional.of(new Stale());
                if (refused.isEmpty()) {
                    try (PreparedStatement p = c.prepareStatement(INSERT)) {
                        p.setString(1, transactionId);
                        p.setLong(2, token.id);
                        p.setLong(3, userId);
                        p.setString(4, token.destination);
                        p.setString(5, codeHash);
                        p.setLong(6, now);
                        p.setLong(7, now + config.challengeValiditySeconds() * 1000L);
                        p.executeUpdate();
                    }
                    try (PreparedStatement p = c.prepareStatement(FORGET_OLD)) {
                        p.setLong(1, now - KEEP_MILLIS);
                        p.executeUpdate();
                    }
                }
                c.commit();
                return refused;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    private Optional<Started> limits(Connection c, long userId, ChallengeToken token, long now) throws SQLException {
        long cooldown = config.challengeResendCooldownSeconds() * 1000L;
        if (cooldown > 0 && query(c, LAST_DELIVERED, userId, token.id, now - cooldown) > 0) {
            return Optional.of(new Refused(Reason.RESEND_TOO_EARLY, "a code was sent less than "
                    + config.challengeResendCooldownSeconds() + " seconds ago; use it, or wait before asking for another"));
        }
        if (query(c, SENT_TO_USER, userId, now - HOUR_MILLIS) >= config.challengeSendsPerUserPerHour()
                || query(c, SENT_TO_DESTINATION, token.destination, now - HOUR_MILLIS) >= config.challengeSendsPerDestinationPerHour()) {
            return Optional.of(new Refused(Reason.SEND_LIMIT, "too many codes were sent in the last hour; try again later"));
        }
        return Optional.empty();
    }

    /**
     * Locks the token's state row, which makes concurrent requests for this token (on any node) take
     * turns, and tells whether the node's copy is still right about it: the token exists, is enabled
     * and has the PIN the copy checked.
     */
    private static boolean current(Connection c, CachedToken token) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(LOCK_TOKEN)) {
            p.setLong(1, token.id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() && r.getBoolean(1) && r.getInt(2) == token.pinVersion;
            }
        }
    }

    /** Runs a query whose first column is a number (0 when there is no row or it is null). */
    private static long query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                p.setObject(i + 1, params[i]);
            }
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    private void execute(String sql, String transactionId) {
        try (Connection c = database.dataSource().getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, transactionId);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    /** Uniform random digits (SecureRandom), as many as configured. */
    private String newCode() {
        int digits = config.challengeCodeLength();
        long bound = 1;
        for (int i = 0; i < digits; i++) {
            bound *= 10;
        }
        long n = random.nextLong(bound);
        return String.format("%0" + digits + "d", n);
    }

    private String hash(String transactionId, String code) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(codeKey, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((transactionId + ":" + code).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
