package org.otpappliance.otp.token;

import java.util.Locale;

/** The kinds of token the appliance validates; the lower-case name is the one used on the wire. */
public enum TokenType {
    HOTP, TOTP,
    /** A YubiKey in its factory "Yubico OTP" mode: AES-128 encrypted OTPs named by a public id. */
    YUBICO;

    /** Whether the token is an OATH token (RFC 4226/6238), with a seed an authenticator app can hold. */
    public boolean isOath() {
        return this == HOTP || this == TOTP;
    }

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
