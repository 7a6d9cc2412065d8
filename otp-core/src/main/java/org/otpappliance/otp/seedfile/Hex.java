package org.otpappliance.otp.seedfile;

import java.util.HexFormat;

/** Plain hexadecimal, either case, for the CSV formats. Errors never quote the text: it is usually a secret. */
final class Hex {
    private Hex() {
    }

    /** The bytes, or null if {@code text} is empty, of odd length or holds a character that is not hex. */
    static byte[] decodeOrNull(String text) {
        if (text.isEmpty() || text.length() % 2 != 0) {
            return null;
        }
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < text.length(); i += 2) {
            int hi = nibble(text.charAt(i));
            int lo = nibble(text.charAt(i + 1));
            if (hi < 0 || lo < 0) {
                java.util.Arrays.fill(out, (byte) 0);
                return null;
            }
            out[i / 2] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    /** The value of an ASCII hex digit, or -1 (JDK's HexFormat: no other script's digits). */
    private static int nibble(char c) {
        return HexFormat.isHexDigit(c) ? HexFormat.fromHexDigit(c) : -1;
    }

    static String encode(byte[] data) {
        StringBuilder s = new StringBuilder(data.length * 2);
        for (byte b : data) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }
}
