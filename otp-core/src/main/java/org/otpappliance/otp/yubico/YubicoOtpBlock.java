package org.otpappliance.otp.yubico;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The 16 decrypted bytes of a Yubico OTP (Yubico OTP specification, "OTP structure"; multi-byte fields
 * little endian): private id (6 bytes), usage counter (2), timestamp low (2) and high (1), session
 * counter (1), random (2), CRC-16 (2). Only {@link #fromPlaintext} builds one from bytes, and only when the
 * CRC holds.
 *
 * @param privateId         the 6-byte private ("internal") id, the check that the right key decrypted
 * @param usageCounter      non-volatile counter, bumped at each power-up (or when the session counter
 *                          wraps); 15 bits, the caps-lock flag masked off
 * @param capsLockTriggered bit 0x8000 of the stored counter: the OTP was triggered by caps lock
 *                          (libyubikey's {@code yubikey_capslock})
 * @param timestamp         24-bit timer at about 8 Hz, started at a random value at power-up, so only
 *                          comparable between OTPs with the same usage counter
 * @param sessionCounter    OTPs since power-up, 0 to 255
 * @param random            16 random bits
 * @param crc               the stored CRC-16 field, as read (little endian)
 */
public record YubicoOtpBlock(byte[] privateId, int usageCounter, boolean capsLockTriggered, int timestamp,
                             int sessionCounter, int random, int crc) {
    public static final int LENGTH = 16;
    public static final int PRIVATE_ID_LENGTH = 6;
    /** crc16 over a whole block whose last two bytes are the complemented CRC of the first 14. */
    public static final int CRC_RESIDUE = 0xf0b8;

    private static final int CAPS_LOCK_BIT = 0x8000;

    public YubicoOtpBlock {
        if (privateId == null || privateId.length != PRIVATE_ID_LENGTH) {
            throw new IllegalArgumentException("private id must be " + PRIVATE_ID_LENGTH + " bytes");
        }
        check("usage counter", usageCounter, 0x7fff);
        check("timestamp", timestamp, 0xff_ffff);
        check("session counter", sessionCounter, 0xff);
        check("random", random, 0xffff);
        check("crc", crc, 0xffff);
        privateId = privateId.clone();
    }

    /**
     * The fields of a decrypted block, or empty if its CRC does not leave {@link #CRC_RESIDUE}: the usual
     * sign of a wrong key or a mistyped OTP.
     *
     * @throws IllegalArgumentException if {@code plaintext} is not 16 bytes
     */
    public static Optional<YubicoOtpBlock> fromPlaintext(byte[] plaintext) {
        if (plaintext.length != LENGTH) {
            throw new IllegalArgumentException("a Yubico OTP block is " + LENGTH + " bytes");
        }
        if (crc16(plaintext, 0, LENGTH) != CRC_RESIDUE) {
            return Optional.empty();
        }
        int counter = le16(plaintext, 6);
        return Optional.of(new YubicoOtpBlock(Arrays.copyOf(plaintext, PRIVATE_ID_LENGTH),
                counter & ~CAPS_LOCK_BIT, (counter & CAPS_LOCK_BIT) != 0,
                le16(plaintext, 8) | (plaintext[10] & 0xff) << 16,
                plaintext[11] & 0xff, le16(plaintext, 12), le16(plaintext, 14)));
    }

    /**
     * CRC-16 as Yubico computes it (ISO/IEC 13239 polynomial, reflected 0x8408, initial 0xffff, no final
     * complement). A token stores the complement of the CRC of bytes 0 to 13, which is why the CRC of all
     * 16 bytes comes out as the constant {@link #CRC_RESIDUE}.
     */
    public static int crc16(byte[] data, int offset, int length) {
        int crc = 0xffff;
        for (int i = offset; i < offset + length; i++) {
            crc ^= data[i] & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                boolean lowBit = (crc & 1) != 0;
                crc >>>= 1;
                if (lowBit) {
                    crc ^= 0x8408;
                }
            }
        }
        return crc;
    }

    /** A copy of the private id. */
    @Override
    public byte[] privateId() {
        return privateId.clone();
    }

    /** Compares with the private id on file in time independent of where they differ. */
    public boolean privateIdMatches(byte[] expected) {
        return MessageDigest.isEqual(privateId, expected);
    }

    /**
     * True if this OTP was generated after the one that left the given counters: a higher usage counter,
     * or the same usage counter and a higher session counter. Anything else is a replay.
     */
    public boolean isAfter(int lastUsageCounter, int lastSessionCounter) {
        return usageCounter > lastUsageCounter || usageCounter == lastUsageCounter && sessionCounter > lastSessionCounter;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof YubicoOtpBlock b && Arrays.equals(privateId, b.privateId) && usageCounter == b.usageCounter
                && capsLockTriggered == b.capsLockTriggered && timestamp == b.timestamp
                && sessionCounter == b.sessionCounter && random == b.random && crc == b.crc;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(privateId)
                + Objects.hash(usageCounter, capsLockTriggered, timestamp, sessionCounter, random, crc);
    }

    /** Leaves out the private id, which authenticates the token. */
    @Override
    public String toString() {
        return "YubicoOtpBlock[usageCounter=" + usageCounter + ", sessionCounter=" + sessionCounter
                + ", timestamp=" + timestamp + ", capsLockTriggered=" + capsLockTriggered + "]";
    }

    private static int le16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static void check(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " must be between 0 and " + max);
        }
    }
}
