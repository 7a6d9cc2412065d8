package org.otpappliance.otp.yubico;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds OTPs the way a YubiKey does, for tests only: the production code never needs to. The layout is
 * written out again here (ByteBuffer, little endian) rather than borrowed from YubicoOtpBlock, so a
 * round trip checks the decoder against an independent statement of the Yubico OTP specification.
 * Public because appliance-war's integration tests play a YubiKey with it (otp-core's test-jar).
 */
public final class YubicoOtpEncoder {
    private YubicoOtpEncoder() {
    }

    /** 16 plaintext bytes; {@code rawCounter} is the stored 16-bit counter, caps-lock bit included. */
    public static byte[] plaintext(byte[] privateId, int rawCounter, int timestamp, int sessionCounter, int random) {
        ByteBuffer block = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .put(privateId)
                .putShort((short) rawCounter)
                .putShort((short) timestamp)
                .put((byte) (timestamp >>> 16))
                .put((byte) sessionCounter)
                .putShort((short) random);
        block.putShort((short) ~YubicoOtpBlock.crc16(block.array(), 0, 14));
        return block.array();
    }

    /** The plaintext for {@code fields}; their crc component is ignored and computed afresh. */
    public static byte[] plaintext(YubicoOtpBlock fields) {
        int rawCounter = fields.usageCounter() | (fields.capsLockTriggered() ? 0x8000 : 0);
        return plaintext(fields.privateId(), rawCounter, fields.timestamp(), fields.sessionCounter(), fields.random());
    }

    /** {@code fields} with the crc a token would store for them. */
    public static YubicoOtpBlock withCrc(YubicoOtpBlock fields) {
        byte[] p = plaintext(fields);
        return new YubicoOtpBlock(fields.privateId(), fields.usageCounter(), fields.capsLockTriggered(),
                fields.timestamp(), fields.sessionCounter(), fields.random(), (p[14] & 0xff) | (p[15] & 0xff) << 8);
    }

    public static byte[] encrypt(byte[] plaintext, byte[] aesKey) {
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
            return aes.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the token types: public id, then the modhex of the encrypted block. */
    public static String otp(String publicId, byte[] aesKey, byte[] plaintext) {
        return publicId + Modhex.encode(encrypt(plaintext, aesKey));
    }

    public static String otp(String publicId, byte[] aesKey, YubicoOtpBlock fields) {
        return otp(publicId, aesKey, plaintext(fields));
    }
}
