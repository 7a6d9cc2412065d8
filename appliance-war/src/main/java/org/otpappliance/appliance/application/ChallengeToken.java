package org.otpappliance.appliance.application;

import java.util.Optional;
import org.otpappliance.otp.token.TokenType;

/**
 * An SMS or e-mail token in memory: where its codes go. It holds no secret: each code is made for
 * one challenge and checked against that challenge's row (see {@link ChallengeService}), so a code
 * sent without a transaction id matches nothing here.
 */
final class ChallengeToken extends CachedToken {
    final String destination;

    ChallengeToken(long id, String serial, TokenType type, boolean enabled, String pinHash, int pinVersion, String destination,
                   int failCount, long lastFailAt) {
        super(id, serial, type, enabled, pinHash, pinVersion, failCount, lastFailAt);
        this.destination = destination;
    }

    /** Its code comes by message: with a PIN, the PIN alone asks for it. */
    @Override
    int codeLength() {
        return 0;
    }

    @Override
    Optional<Match> verify(String code, long nowMillis, Windows windows) {
        return Optional.empty();
    }

    @Override
    boolean isReplay(String code, long nowMillis, Windows windows) {
        return false;
    }

    @Override
    void accept(Match m) {
        failCount = 0;
    }
}
