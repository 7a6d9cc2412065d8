package org.otpappliance.otp.yubico;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A Yubico OTP split into its two parts (Yubico OTP specification, "OTP format"): a public id of 0 to 16
 * modhex characters that names the key, then 32 modhex characters holding one AES-128 block.
 * Parsing only checks the shape; {@link YubicoKey#decrypt(YubicoOtp)} decides whether the block is genuine.
 */
public final class YubicoOtp {
    public static final int TOKEN_LENGTH = 32;
    public static final int MAX_PUBLIC_ID_LENGTH = 16;

    private final String publicId;
    private final byte[] ciphertext;

    private YubicoOtp(String publicId, byte[] ciphertext) {
        this.publicId = publicId;
        this.ciphertext = ciphertext;
    }

    /**
     * The OTP in {@code text}, or empty if it is not 32 to 48 modhex characters of even length. Never
     * throws: the text is whatever a user typed. Surrounding whitespace is not stripped.
     */
    public static Optional<YubicoOtp> parse(String text) {
        if (text == null || text.length() < TOKEN_LENGTH || text.length() > TOKEN_LENGTH + MAX_PUBLIC_ID_LENGTH
                || !Modhex.isModhex(text)) {
            return Optional.empty();
        }
        int split = text.length() - TOKEN_LENGTH;
        // isModhex admitted ASCII letters only, so lower-casing cannot change the length.
        return Optional.of(new YubicoOtp(text.substring(0, split).toLowerCase(Locale.ROOT),
                Modhex.decode(text.substring(split))));
    }

    /** The public id in lower-case modhex; empty for a key configured without one. */
    public String publicId() {
        return publicId;
    }

    /** A copy of the 16 encrypted bytes. */
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    byte[] ciphertextNoCopy() {
        return ciphertext;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof YubicoOtp other && publicId.equals(other.publicId) && Arrays.equals(ciphertext, other.ciphertext);
    }

    @Override
    public int hashCode() {
        return 31 * publicId.hashCode() + Arrays.hashCode(ciphertext);
    }

    /** Names the public id only: the token part is a credential until it has been used. */
    @Override
    public String toString() {
        return "YubicoOtp[publicId=" + publicId + "]";
    }
}
