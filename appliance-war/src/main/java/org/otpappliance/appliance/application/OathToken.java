package org.otpappliance.appliance.application;

import java.util.Optional;
import java.util.OptionalLong;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.HotpVerifier;
import org.otpappliance.otp.verify.OathParameters;
import org.otpappliance.otp.verify.TotpVerifier;

/** An HOTP or TOTP token in memory: seed, parameters, counter or time step and drift. */
final class OathToken extends CachedToken {
    final OathParameters parameters;
    private final byte[] seed;

    long nextCounter;
    long lastTimeStep;
    int drift;

    OathToken(long id, String serial, TokenType type, OathParameters parameters, boolean enabled, String pinHash, int pinVersion,
              byte[] seed, long nextCounter, long lastTimeStep, int drift, int failCount, long lastFailAt) {
        super(id, serial, type, enabled, pinHash, pinVersion, failCount, lastFailAt);
        this.parameters = parameters;
        this.seed = seed;
        this.nextCounter = nextCounter;
        this.lastTimeStep = lastTimeStep;
        this.drift = drift;
    }

    @Override
    int codeLength() {
        return parameters.digits();
    }

    @Override
    Optional<Match> verify(String code, long nowMillis, Windows windows) {
        if (type == TokenType.HOTP) {
            OptionalLong c = HotpVerifier.verify(seed, parameters, code, nextCounter, windows.hotpLookAhead());
            return c.isPresent() ? Optional.of(new Match(c.getAsLong() + 1, 0)) : Optional.empty();
        }
        return TotpVerifier.verify(seed, parameters, code, nowMillis / 1000, lastTimeStep, drift, windows.totpWindow())
                .map(m -> new Match(m.timeStep(), m.drift()));
    }

    /** Only the code accepted last is recognised: older ones are not worth a search. */
    @Override
    boolean isReplay(String code, long nowMillis, Windows windows) {
        if (type == TokenType.HOTP) {
            return nextCounter > 0 && HotpVerifier.verify(seed, parameters, code, nextCounter - 1, 0).isPresent();
        }
        return lastTimeStep >= 0 && TotpVerifier.verify(seed, parameters, code, nowMillis / 1000, lastTimeStep - 1, drift,
                windows.totpWindow()).filter(m -> m.timeStep() == lastTimeStep).isPresent();
    }

    Optional<Match> resync(String code1, String code2, long nowMillis, int window) {
        if (type == TokenType.HOTP) {
            OptionalLong c = HotpVerifier.resync(seed, parameters, code1, code2, nextCounter, window);
            return c.isPresent() ? Optional.of(new Match(c.getAsLong() + 1, 0)) : Optional.empty();
        }
        return TotpVerifier.resync(seed, parameters, code1, code2, nowMillis / 1000, lastTimeStep, window)
                .map(m -> new Match(m.timeStep(), m.drift()));
    }

    @Override
    void accept(Match m) {
        if (type == TokenType.HOTP) {
            nextCounter = m.position();
        } else {
            lastTimeStep = m.position();
            drift = m.drift();
        }
        failCount = 0;
    }
}
