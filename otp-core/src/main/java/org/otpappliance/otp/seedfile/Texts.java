package org.otpappliance.otp.seedfile;

/** Making text from a file safe to show in a report: one line, bounded length. Never use it on secrets. */
final class Texts {
    private Texts() {
    }

    /** {@code text} without control characters, cut at {@code max} characters with an ellipsis. */
    static String printable(String text, int max) {
        StringBuilder s = new StringBuilder(Math.min(text.length(), max + 1));
        for (int i = 0; i < text.length() && s.length() < max; i++) {
            char c = text.charAt(i);
            s.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() < text.length() ? s.append('…').toString() : s.toString();
    }

    static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }

    /** {@code text} stripped, or null if it is null or blank. */
    static String strippedOrNull(String text) {
        return isBlank(text) ? null : text.strip();
    }
}
