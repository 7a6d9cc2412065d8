package org.otpappliance.otp.token;

import java.util.Locale;

/** The kinds of token the appliance validates; the lower-case name is the one used on the wire. */
public enum TokenType {
    HOTP, TOTP;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for an unknown or not yet supported type */
    public static TokenType parse(String name) {
        for (TokenType t : values()) {
            if (t.wireName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported token type: " + name);
    }
}
