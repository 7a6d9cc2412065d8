package org.otpappliance.otp.algorithm;

/** TOTP, RFC 6238 section 4: HOTP over the time step T = floor((now - T0) / X). */
public final class Totp {
    public static final int DEFAULT_PERIOD_SECONDS = 30;

    private Totp() {
    }

    /** The time step containing {@code epochSeconds}, with T0 = 0 (the RFC's default). */
    public static long timeStep(long epochSeconds, int periodSeconds) {
        if (periodSeconds <= 0) {
            throw new IllegalArgumentException("period must be positive");
        }
        return Math.floorDiv(epochSeconds, periodSeconds);
    }

    public static String code(byte[] key, long epochSeconds, int periodSeconds, int digits, HashAlgorithm algorithm) {
        return Hotp.code(key, timeStep(epochSeconds, periodSeconds), digits, algorithm);
    }
}
