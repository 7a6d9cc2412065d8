package org.otpappliance.otp.verify;

import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;

/**
 * What an OATH token computes with: hash, number of digits and, for TOTP, the time step in seconds
 * (0 for HOTP).
 */
public record OathParameters(HashAlgorithm algorithm, int digits, int periodSeconds) {
    public OathParameters {
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm is required");
        }
        Hotp.checkDigits(digits);
        if (periodSeconds < 0 || periodSeconds > 3600) {
            throw new IllegalArgumentException("period must be between 1 and 3600 seconds");
        }
    }

    public static OathParameters hotp(HashAlgorithm algorithm, int digits) {
        return new OathParameters(algorithm, digits, 0);
    }

    public static OathParameters totp(HashAlgorithm algorithm, int digits, int periodSeconds) {
        if (periodSeconds == 0) {
            throw new IllegalArgumentException("period must be between 1 and 3600 seconds");
        }
        return new OathParameters(algorithm, digits, periodSeconds);
    }
}
