package org.otpappliance.otp.algorithm;

import java.util.Locale;

/** The HMAC hash functions RFC 6238 section 1.2 allows for TOTP (and that HOTP tokens use in practice). */
public enum HashAlgorithm {
    SHA1("HmacSHA1", 20),
    SHA256("HmacSHA256", 32),
    SHA512("HmacSHA512", 64);

    private final String jcaName;
    private final int recommendedKeyLength;

    HashAlgorithm(String jcaName, int recommendedKeyLength) {
        this.jcaName = jcaName;
        this.recommendedKeyLength = recommendedKeyLength;
    }

    public String jcaName() {
        return jcaName;
    }

    /** Key length in bytes equal to the hash output, as RFC 6238 Appendix B's reference seeds use. */
    public int recommendedKeyLength() {
        return recommendedKeyLength;
    }

    /** Parses "SHA1", "sha256", "HmacSHA512", "SHA-256"; throws IllegalArgumentException otherwise. */
    public static HashAlgorithm parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("hash algorithm is required");
        }
        String n = name.toUpperCase(Locale.ROOT).replace("-", "").replace("HMAC", "");
        for (HashAlgorithm a : values()) {
            if (a.name().equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown hash algorithm: " + name);
    }
}
