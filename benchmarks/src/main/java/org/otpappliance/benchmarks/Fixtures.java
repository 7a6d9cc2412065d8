package org.otpappliance.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * Deterministic keys for the benchmarks: each benchmark cycles through {@link #TOKENS} tokens, so that it does not
 * verify one key and one code over and over (which the JIT could partly fold away), as a server verifies many
 * users' codes.
 */
final class Fixtures {
    /** Tokens a benchmark cycles through; a power of two, so that the next index is a mask. */
    static final int TOKENS = 256;
    static final int MASK = TOKENS - 1;

    private Fixtures() {
    }

    /** The first {@code length} bytes of SHA-256("otp-bench/WHAT/i"). */
    static byte[] bytes(String what, int i, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("otp-bench/" + what + "/" + i).getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[length];
            System.arraycopy(digest, 0, out, 0, length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Yubico OTP as a YubiKey types it: public id, then the modhex of the AES-128-ECB encrypted block. */
    static String yubicoOtp(String publicId, byte[] aesKey, byte[] privateId, int usageCounter, int sessionCounter,
                            int timestamp, int random) {
        ByteBuffer block = ByteBuffer.allocate(YubicoOtpBlock.LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                .put(privateId)
                .putShort((short) usageCounter)
                .putShort((short) timestamp)
                .put((byte) (timestamp >>> 16))
                .put((byte) sessionCounter)
                .putShort((short) random);
        block.putShort((short) ~YubicoOtpBlock.crc16(block.array(), 0, 14));
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
            return publicId + Modhex.encode(aes.doFinal(block.array()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
