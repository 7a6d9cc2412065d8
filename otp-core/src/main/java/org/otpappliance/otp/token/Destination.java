package org.otpappliance.otp.token;

import java.util.Locale;

/**
 * Checks and masks where an SMS or e-mail code goes. Checked once at enrollment, so a typo fails
 * there rather than at the first login; the masked form is what a user may be shown ("a code was
 * sent to +41*******67") without the appliance revealing the whole destination to whoever asks.
 * Error messages describe the expected form and never repeat the input.
 */
public final class Destination {
    /** Longer input is not a phone number or an address; refused before any further work. */
    private static final int MAX_INPUT = 320;
    private static final String ATEXT_SYMBOLS = "!#$%&'*+/=?^_`{|}~-";

    private Destination() {
    }

    /**
     * An international phone number (ITU-T E.164): "+", then 8 to 15 digits of which the first is
     * not 0. Spaces, hyphens, dots and parentheses are dropped, so "+41 (79) 123-45.67" is accepted.
     *
     * @return the number as "+" and digits only, e.g. "+41791234567"
     * @throws IllegalArgumentException if it is not such a number
     */
    public static String phone(String text) {
        if (text == null || text.length() > MAX_INPUT) {
            throw badPhone();
        }
        StringBuilder out = new StringBuilder(16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
                out.append(c);
            }
        }
        int digits = out.length() - 1;
        if (digits < 8 || digits > 15 || out.charAt(0) != '+' || out.charAt(1) == '0') {
            throw badPhone();
        }
        for (int i = 1; i < out.length(); i++) {
            if (!isDigit(out.charAt(i))) {
                throw badPhone();
            }
        }
        return out.toString();
    }

    /**
     * An e-mail address as mail servers take it: dot-atom local part (RFC 5322 3.2.3, ASCII) of at
     * most 64 characters, "@", a domain name of at least two labels; at most 254 characters (RFC 5321).
     * Quoted local parts, address literals and internationalised addresses are not accepted. Nothing
     * that could end an SMTP header line (spaces, control characters) passes.
     *
     * @return the trimmed address with its domain in lower case (the local part is the receiving
     *         server's business and keeps its case)
     * @throws IllegalArgumentException if it is not such an address
     */
    public static String email(String text) {
        if (text == null || text.length() > MAX_INPUT) {
            throw badEmail();
        }
        String address = text.trim();
        int at = address.indexOf('@');
        if (address.length() > 254 || at < 0 || at != address.lastIndexOf('@')) {
            throw badEmail();
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        if (!isDotAtom(local) || !isDomain(domain)) {
            throw badEmail();
        }
        return local + '@' + domain.toLowerCase(Locale.ROOT);
    }

    /**
     * The number with all but the "+", the first two and the last two digits replaced by '*':
     * "+41791234567" becomes "+41*******67". Enough for a user to recognise their own phone.
     *
     * @throws IllegalArgumentException if it is not a valid number (see {@link #phone})
     */
    public static String maskPhone(String e164) {
        String number = phone(e164);
        StringBuilder masked = new StringBuilder(number);
        for (int i = 3; i < number.length() - 2; i++) {
            masked.setCharAt(i, '*');
        }
        return masked.toString();
    }

    /**
     * The first character of the local part, "***", then "@" and the domain: "alice@example.com"
     * becomes "a***@example.com". The fixed "***" does not give away the local part's length.
     *
     * @throws IllegalArgumentException if it is not a valid address (see {@link #email})
     */
    public static String maskEmail(String address) {
        String checked = email(address);
        int at = checked.indexOf('@');
        return checked.charAt(0) + "***" + checked.substring(at);
    }

    private static boolean isDotAtom(String local) {
        if (local.isEmpty() || local.length() > 64 || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(isLetter(c) || isDigit(c) || c == '.' || ATEXT_SYMBOLS.indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDomain(String domain) {
        String[] labels = domain.split("\\.", -1);
        if (labels.length < 2) {
            return false;
        }
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(isLetter(c) || isDigit(c) || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException badPhone() {
        return new IllegalArgumentException(
                "a phone number must be in international E.164 form: '+', the country code and the number, 8 to 15 digits in all (e.g. +41791234567)");
    }

    private static IllegalArgumentException badEmail() {
        return new IllegalArgumentException(
                "an e-mail address must look like name@example.com: at most 254 characters, no spaces or quotes, a domain name with a dot");
    }
}
