package org.otpappliance.appliance.application;

import java.util.Optional;
import java.util.OptionalLong;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.HotpVerifier;
import org.otpappliance.otp.verify.OathParameters;
import org.otpappliance.otp.verify.TotpVerifier;

/**
 * A node's in-memory copy of one HOTP/TOTP token: its decrypted seed, parameters and state. The
 * database stays the judge: every state change is a conditional update that fails if the row moved
 * on meanwhile (another node, an admin), and then this copy is dropped and read again.
 * The mutable state is guarded by this object's monitor.
 */
final class OathToken {
    final long id;
    final String serial;
    final TokenType type;
    final OathParameters parameters;
    final boolean enabled;
    private final byte[] seed;

    long nextCounter;
    long lastTimeStep;
    int drift;
    int failCount;
    long lastFailAt;

    OathToken(long id, String serial, TokenType type, OathParameters parameters, boolean enabled, byte[] seed,
              long nextCounter, long lastTimeStep, int drift, int failCount, long lastFailAt) {
        this.id = id;
        this.serial = serial;
        this.type = type;
        this.parameters = parameters;
        this.enabled = enabled;
        this.seed = seed;
        this.nextCounter = nextCounter;
        this.lastTimeStep = lastTimeStep;
        this.drift = drift;
        this.failCount = failCount;
        this.lastFailAt = lastFailAt;
    }

    /** What a matching code moves the token to: HOTP's next counter, or TOTP's step and drift. */
    record Match(long counterOrStep, int drift) {
    }

    boolean locked(long nowMillis, int maxFailures, long cooldownMillis) {
        return locked(failCount, lastFailAt, nowMillis, maxFailures, cooldownMillis);
    }

    /** Locked: the fail counter reached the limit, and no cool-down (or not all of it) has passed since. */
    static boolean locked(int failCount, long lastFailAt, long nowMillis, int maxFailures, long cooldownMillis) {
        return failCount >= maxFailures && (cooldownMillis <= 0 || nowMillis - lastFailAt < cooldownMillis);
    }

    Optional<Match> verify(String code, long nowMillis, int hotpLookAhead, int totpWindow) {
        if (type == TokenType.HOTP) {
            OptionalLong c = HotpVerifier.verify(seed, parameters, code, nextCounter, hotpLookAhead);
            return c.isPresent() ? Optional.of(new Match(c.getAsLong() + 1, 0)) : Optional.empty();
        }
        return TotpVerifier.verify(seed, parameters, code, nowMillis / 1000, lastTimeStep, drift, totpWindow)
                .map(m -> new Match(m.timeStep(), m.drift()));
    }

    /** Whether the code is the one accepted last: a replay, worth its own reason in the audit log. */
    boolean isLastAccepted(String code, long nowMillis, int totpWindow) {
        if (type == TokenType.HOTP) {
            return nextCounter > 0 && HotpVerifier.verify(seed, parameters, code, nextCounter - 1, 0).isPresent();
        }
        return lastTimeStep >= 0 && TotpVerifier.verify(seed, parameters, code, nowMillis / 1000, lastTimeStep - 1, drift,
                totpWindow).filter(m -> m.timeStep() == lastTimeStep).isPresent();
    }

    Optional<Match> resync(String code1, String code2, long nowMillis, int window) {
        if (type == TokenType.HOTP) {
            OptionalLong c = HotpVerifier.resync(seed, parameters, code1, code2, nextCounter, window);
            return c.isPresent() ? Optional.of(new Match(c.getAsLong() + 1, 0)) : Optional.empty();
        }
        return TotpVerifier.resync(seed, parameters, code1, code2, nowMillis / 1000, lastTimeStep, window)
                .map(m -> new Match(m.timeStep(), m.drift()));
    }

    void accept(Match m) {
        if (type == TokenType.HOTP) {
            nextCounter = m.counterOrStep();
        } else {
            lastTimeStep = m.counterOrStep();
            drift = m.drift();
        }
        failCount = 0;
    }
}
