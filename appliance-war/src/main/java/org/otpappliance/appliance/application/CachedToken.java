package org.otpappliance.appliance.application;

import java.util.Optional;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * A node's in-memory copy of one token: its decrypted secret, parameters and state. The database
 * stays the judge: every state change is a conditional update that fails if the row moved on
 * meanwhile (another node, an admin), and then this copy is dropped and read again.
 * The mutable state is guarded by this object's monitor.
 */
abstract sealed class CachedToken permits OathToken, YubicoToken, ChallengeToken {
    final long id;
    final String serial;
    final TokenType type;
    final boolean enabled;
    /** The PIN's slow hash (see {@link Pins}), or null for a token without a PIN. */
    final String pinHash;
    /** Which PIN (or absence of one) this copy holds: every PIN change bumps it in the database. */
    final int pinVersion;

    int failCount;
    long lastFailAt;

    CachedToken(long id, String serial, TokenType type, boolean enabled, String pinHash, int pinVersion, int failCount, long lastFailAt) {
        this.id = id;
        this.serial = serial;
        this.type = type;
        this.enabled = enabled;
        this.pinHash = pinHash;
        this.pinVersion = pinVersion;
        this.failCount = failCount;
        this.lastFailAt = lastFailAt;
    }

    /** How many characters of what the user types are the code (after a PIN); 0 for a token whose code is sent. */
    abstract int codeLength();

    /**
     * What a matching code moves the token to: HOTP's next counter, TOTP's step (with the drift),
     * or a YubiKey's next (usage counter, session counter) position (with the OTP's fields).
     */
    record Match(long position, int drift, YubicoOtpBlock yubico) {
        Match(long position, int drift) {
            this(position, drift, null);
        }
    }

    /** The validation settings a check needs. */
    record Windows(int hotpLookAhead, int totpWindow) {
    }

    boolean locked(long nowMillis, int maxFailures, long cooldownMillis) {
        return locked(failCount, lastFailAt, nowMillis, maxFailures, cooldownMillis);
    }

    /** Locked: the fail counter reached the limit, and no cool-down (or not all of it) has passed since. */
    static boolean locked(int failCount, long lastFailAt, long nowMillis, int maxFailures, long cooldownMillis) {
        return failCount >= maxFailures && (cooldownMillis <= 0 || nowMillis - lastFailAt < cooldownMillis);
    }

    /** The state the code moves the token to, if the code is right for it now. */
    abstract Optional<Match> verify(String code, long nowMillis, Windows windows);

    /** Whether the code is one this token produced and that was already used: a replay, not a guess. */
    abstract boolean isReplay(String code, long nowMillis, Windows windows);

    abstract void accept(Match m);

    /**
     * Whether a wrong code counts toward the lock. It does for codes a person could guess; a
     * YubiKey OTP cannot be guessed, and counting would let anyone who saw a key's public id
     * (it starts every OTP) lock it.
     */
    boolean countsFailures() {
        return true;
    }
}
