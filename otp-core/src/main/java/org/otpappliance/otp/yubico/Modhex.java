package org.otpappliance.otp.yubico;

import java.util.Arrays;

/**
 * Modhex, the hex variant a YubiKey types: nibbles 0 to 15 are the letters "cbdefghijklnrtuv", keys that
 * produce the same characters on most keyboard layouts (Yubico OTP specification, "Modhex").
 * Decoding ignores ASCII case. Errors never quote the text: it is usually a one-time password.
 */
public final class Modhex {
    public static final String ALPHABET = "cbdefghijklnrtuv";

    private static final char[] DIGITS = ALPHABET.toCharArray();
    /** Nibble value per ASCII character, -1 for characters outside the alphabet. */
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < DIGITS.length; i++) {
            VALUES[DIGITS[i]] = (byte) i;
            VALUES[Character.toUpperCase(DIGITS[i])] = (byte) i;
        }
    }

    private Modhex() {
    }

    public static String encode(byte[] data) {
        char[] out = new char[data.length * 2];
        for (int i = 0; i < data.length; i++) {
            out[2 * i] = DIGITS[(data[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[data[i] & 0xf];
        }
        return new String(out);
    }

    /** @throws IllegalArgumentException for an odd length or a character outside the alphabet (by position only) */
    public static byte[] decode(String text) {
        if (text.length() % 2 != 0) {
            throw new IllegalArgumentException("modhex text has odd length " + text.length());
        }
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < text.length(); i++) {
            int v = value(text.charAt(i));
            if (v < 0) {
                throw new IllegalArgumentException("not modhex at position " + (i + 1));
            }
            out[i / 2] |= (byte) (i % 2 == 0 ? v << 4 : v);
        }
        return out;
    }

    /** True exactly when {@link #decode} would accept {@code text}: even length, every character in the alphabet. */
    public static boolean isModhex(String text) {
        if (text == null || text.length() % 2 != 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (value(text.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static int value(char c) {
        return c < VALUES.length ? VALUES[c] : -1;
    }
}
