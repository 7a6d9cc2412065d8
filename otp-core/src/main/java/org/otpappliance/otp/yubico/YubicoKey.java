package org.otpappliance.otp.yubico;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * One YubiKey's AES-128 key with a Cipher initialised once, since Cipher.getInstance and init cost far
 * more than decrypting one block. Thread-safe: decryption holds the Cipher's lock for one AES block,
 * too short for contention to matter. A token encrypts a single block with AES in ECB mode, no padding
 * (Yubico OTP specification).
 */
public final class YubicoKey {
    public static final int LENGTH = 16;

    private final Cipher cipher;

    /** @throws IllegalArgumentException unless {@code aesKey} is 16 bytes */
    public YubicoKey(byte[] aesKey) {
        if (aesKey == null || aesKey.length != LENGTH) {
            throw new IllegalArgumentException("a Yubico OTP key is " + LENGTH + " bytes (AES-128)");
        }
        try {
            cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES unavailable", e);
        }
    }

    /** One-off decryption; build a YubicoKey instead when the same key decrypts again. */
    public static Optional<YubicoOtpBlock> decrypt(byte[] ciphertext, byte[] aesKey) {
        return new YubicoKey(aesKey).decrypt(ciphertext);
    }

    /** The fields of the OTP's block, or empty if the CRC fails (wrong key, mistyped or forged OTP). */
    public Optional<YubicoOtpBlock> decrypt(YubicoOtp otp) {
        return decrypt(otp.ciphertextNoCopy());
    }

    /**
     * @throws IllegalArgumentException unless {@code ciphertext} is 16 bytes
     * @see #decrypt(YubicoOtp)
     */
    public Optional<YubicoOtpBlock> decrypt(byte[] ciphertext) {
        if (ciphertext.length != YubicoOtpBlock.LENGTH) {
            throw new IllegalArgumentException("a Yubico OTP block is " + YubicoOtpBlock.LENGTH + " bytes");
        }
        byte[] plaintext;
        try {
            synchronized (cipher) {
                plaintext = cipher.doFinal(ciphertext);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES decryption failed", e);
        }
        try {
            return YubicoOtpBlock.fromPlaintext(plaintext);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    /** Never shows the key. */
    @Override
    public String toString() {
        return "YubicoKey[AES-128]";
    }
}
