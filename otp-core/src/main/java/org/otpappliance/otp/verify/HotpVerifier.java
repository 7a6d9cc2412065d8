package org.otpappliance.otp.verify;

import java.util.OptionalLong;
import org.otpappliance.otp.algorithm.Hotp;

/**
 * HOTP verification with a look-ahead window and resynchronisation, RFC 4226 section 7.4.
 * The state is the counter of the next expected code: every code below it is spent.
 */
public final class HotpVerifier {
    /** RFC 4226 section 7.4 suggests a small look-ahead; 10 is what most servers use. */
    public static final int DEFAULT_LOOK_AHEAD = 10;
    public static final int DEFAULT_RESYNC_WINDOW = 100;

    private HotpVerifier() {
    }

    /**
     * The counter that {@code code} matches in [nextCounter, nextCounter + lookAhead], or empty.
     * After acceptance the next expected counter is the returned value plus one.
     */
    public static OptionalLong verify(byte[] key, OathParameters p, String code, long nextCounter, int lookAhead) {
        if (!wellFormed(code, p.digits())) {
            return OptionalLong.empty();
        }
        for (long c = nextCounter; c <= nextCounter + lookAhead; c++) {
            if (Hotp.matches(code, Hotp.value(key, c, p.digits(), p.algorithm()), p.digits())) {
                return OptionalLong.of(c);
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Resynchronisation from two consecutive codes over a wider window (RFC 4226 section 7.4): the
     * counter c in [nextCounter, nextCounter + window] with code1 at c and code2 at c + 1.
     * Returns c + 1, the counter of the last code given; the next expected counter is one more.
     */
    public static OptionalLong resync(byte[] key, OathParameters p, String code1, String code2, long nextCounter, int window) {
        if (!wellFormed(code1, p.digits()) || !wellFormed(code2, p.digits())) {
            return OptionalLong.empty();
        }
        for (long c = nextCounter; c <= nextCounter + window; c++) {
            if (Hotp.matches(code1, Hotp.value(key, c, p.digits(), p.algorithm()), p.digits())
                    && Hotp.matches(code2, Hotp.value(key, c + 1, p.digits(), p.algorithm()), p.digits())) {
                return OptionalLong.of(c + 1);
            }
        }
        return OptionalLong.empty();
    }

    static boolean wellFormed(String code, int digits) {
        if (code == null || code.length() != digits) {
            return false;
        }
        for (int i = 0; i < code.length(); i++) {
            char ch = code.charAt(i);
            if (ch < '0' || ch > '9') {
                return false;
            }
        }
        return true;
    }
}
