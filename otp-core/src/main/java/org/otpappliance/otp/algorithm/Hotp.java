package org.otpappliance.otp.algorithm;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HOTP value generation, RFC 4226 section 5: HMAC over the 8-byte big-endian counter, dynamic
 * truncation (section 5.3), then modulo 10^digits.
 */
public final class Hotp {
    public static final int MIN_DIGITS = 6;
    public static final int MAX_DIGITS = 8;

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    /** A Mac per thread and algorithm: Mac.getInstance is far more costly than init. */
    private static final ThreadLocal<Map<HashAlgorithm, Mac>> MACS = ThreadLocal.withInitial(() -> new EnumMap<>(HashAlgorithm.class));

    private Hotp() {
    }

    /** The HOTP value for {@code counter} as a number below 10^digits. */
    public static int value(byte[] key, long counter, int digits, HashAlgorithm algorithm) {
        checkDigits(digits);
        byte[] hash = hmac(key, counter, algorithm);
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24)
                | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8)
                | (hash[offset + 3] & 0xff);
        return binary % POWERS_OF_TEN[digits];
    }

    /** The HOTP value as the zero-padded decimal string a token displays. */
    public static String code(byte[] key, long counter, int digits, HashAlgorithm algorithm) {
        return format(value(key, counter, digits, algorithm), digits);
    }

    /**
     * Compares a code a user typed with the expected value in time independent of where they differ.
     * A code of the wrong length or with non-digits never matches.
     */
    public static boolean matches(String typed, int expected, int digits) {
        byte[] want = format(expected, digits).getBytes(StandardCharsets.US_ASCII);
        byte[] got = typed.getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(want, got);
    }

    public static String format(int value, int digits) {
        char[] out = new char[digits];
        int v = value;
        for (int i = digits - 1; i >= 0; i--) {
            out[i] = (char) ('0' + v % 10);
            v /= 10;
        }
        return new String(out);
    }

    public static void checkDigits(int digits) {
        if (digits < MIN_DIGITS || digits > MAX_DIGITS) {
            throw new IllegalArgumentException("digits must be between " + MIN_DIGITS + " and " + MAX_DIGITS);
        }
    }

    private static byte[] hmac(byte[] key, long counter, HashAlgorithm algorithm) {
        byte[] message = new byte[8];
        long c = counter;
        for (int i = 7; i >= 0; i--) {
            message[i] = (byte) c;
            c >>>= 8;
        }
        try {
            Mac mac = MACS.get().get(algorithm);
            if (mac == null) {
                mac = Mac.getInstance(algorithm.jcaName());
                MACS.get().put(algorithm, mac);
            }
            mac.init(new SecretKeySpec(key, algorithm.jcaName()));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC " + algorithm + " unavailable", e);
        }
    }
}
