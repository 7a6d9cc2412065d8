package org.otpappliance.otp.verify;

import java.util.Optional;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;

/**
 * TOTP verification around a learned clock drift, RFC 6238 sections 5.2 and 6.
 * The state is the last accepted time step (replay: only later steps are accepted) and the drift,
 * in time steps, between the token's clock and ours.
 */
public final class TotpVerifier {
    /** RFC 6238 section 5.2 recommends at most one time step of network delay. */
    public static final int DEFAULT_WINDOW = 1;
    public static final int DEFAULT_RESYNC_WINDOW = 100;

    /** A match: the token's time step, and the drift to remember (step minus our current step). */
    public record Match(long timeStep, int drift) {
    }

    private TotpVerifier() {
    }

    /**
     * Tries the steps current + drift - window .. current + drift + window, nearest to the
     * expected step first, skipping every step at or below {@code lastAcceptedStep}.
     */
    public static Optional<Match> verify(byte[] key, OathParameters p, String code, long epochSeconds,
                                         long lastAcceptedStep, int drift, int window) {
        if (!HotpVerifier.wellFormed(code, p.digits())) {
            return Optional.empty();
        }
        long now = Totp.timeStep(epochSeconds, p.periodSeconds());
        long expected = now + drift;
        for (int distance = 0; distance <= window; distance++) {
            for (long step : distance == 0 ? new long[] {expected} : new long[] {expected - distance, expected + distance}) {
                if (step > lastAcceptedStep && step >= 0
                        && Hotp.matches(code, Hotp.value(key, step, p.digits(), p.algorithm()), p.digits())) {
                    return Optional.of(new Match(step, Math.toIntExact(step - now)));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Resynchronisation from two consecutive codes: a step s within ±window of now with code1 at s
     * and code2 at s + 1. The match is for s + 1, the step of the last code given.
     */
    public static Optional<Match> resync(byte[] key, OathParameters p, String code1, String code2, long epochSeconds,
                                         long lastAcceptedStep, int window) {
        if (!HotpVerifier.wellFormed(code1, p.digits()) || !HotpVerifier.wellFormed(code2, p.digits())) {
            return Optional.empty();
        }
        long now = Totp.timeStep(epochSeconds, p.periodSeconds());
        for (long s = Math.max(now - window, lastAcceptedStep + 1); s <= now + window; s++) {
            if (s >= 0 && Hotp.matches(code1, Hotp.value(key, s, p.digits(), p.algorithm()), p.digits())
                    && Hotp.matches(code2, Hotp.value(key, s + 1, p.digits(), p.algorithm()), p.digits())) {
                return Optional.of(new Match(s + 1, Math.toIntExact(s + 1 - now)));
            }
        }
        return Optional.empty();
    }
}
