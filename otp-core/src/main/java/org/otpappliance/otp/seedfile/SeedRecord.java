package org.otpappliance.otp.seedfile;

import java.util.Arrays;
import java.util.Objects;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtp;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * One token read from a seed file, checked and ready to import.
 *
 * <ul>
 *   <li>{@link TokenType#HOTP}: {@code secret} is the HMAC seed, {@code algorithm} and {@code digits} (6 to 8) are
 *       set, {@code counter} is the next counter (never null), {@code periodSeconds} is null.</li>
 *   <li>{@link TokenType#TOTP}: as HOTP, but {@code periodSeconds} is set (positive) and {@code counter} is null.</li>
 *   <li>{@link TokenType#YUBICO}: {@code secret} is the 16-byte AES key, {@code yubicoPublicId} the lower-case
 *       modhex public id (2 to 16 characters, an even number, as the appliance requires) and
 *       {@code yubicoPrivateId} the 6-byte private id; {@code algorithm} is null, {@code digits} 0, counter and
 *       period null.</li>
 * </ul>
 *
 * <p>{@code serial} is 1 to {@value #MAX_SERIAL_LENGTH} characters without control characters (the appliance's
 * column size); {@code userId} is null or the user the file names for the token. The byte arrays are copied in
 * and out. {@link #toString()} never shows the secret or the private id.
 *
 * @throws IllegalArgumentException from the constructor when the fields break the rules above (the message
 *     names the field, never its value)
 */
public record SeedRecord(String serial, TokenType type, byte[] secret, HashAlgorithm algorithm, int digits,
                         Integer periodSeconds, Long counter, String userId, String yubicoPublicId,
                         byte[] yubicoPrivateId) {

    public static final int MAX_SERIAL_LENGTH = 64;

    public SeedRecord {
        if (!isValidSerial(serial)) {
            throw new IllegalArgumentException("serial must be 1 to " + MAX_SERIAL_LENGTH + " characters without control characters");
        }
        Objects.requireNonNull(type, "type");
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("secret is required");
        }
        secret = secret.clone();
        yubicoPrivateId = yubicoPrivateId == null ? null : yubicoPrivateId.clone();
        switch (type) {
            case HOTP, TOTP -> {
                Objects.requireNonNull(algorithm, "algorithm");
                if (digits < Hotp.MIN_DIGITS || digits > Hotp.MAX_DIGITS) {
                    throw new IllegalArgumentException("digits must be " + Hotp.MIN_DIGITS + " to " + Hotp.MAX_DIGITS);
                }
                if (type == TokenType.HOTP && (counter == null || counter < 0 || periodSeconds != null)) {
                    throw new IllegalArgumentException("an HOTP token has a counter of 0 or more and no period");
                }
                if (type == TokenType.TOTP && (periodSeconds == null || periodSeconds <= 0 || counter != null)) {
                    throw new IllegalArgumentException("a TOTP token has a positive period and no counter");
                }
                if (yubicoPublicId != null || yubicoPrivateId != null) {
                    throw new IllegalArgumentException("the Yubico ids belong to Yubico OTP tokens only");
                }
            }
            case YUBICO -> {
                if (secret.length != YubicoKey.LENGTH) {
                    throw new IllegalArgumentException("a Yubico OTP AES key is " + YubicoKey.LENGTH + " bytes");
                }
                if (!isValidPublicId(yubicoPublicId)) {
                    throw new IllegalArgumentException("yubicoPublicId must be 2 to " + YubicoOtp.MAX_PUBLIC_ID_LENGTH
                            + " lower-case modhex characters, an even number");
                }
                if (yubicoPrivateId == null || yubicoPrivateId.length != YubicoOtpBlock.PRIVATE_ID_LENGTH) {
                    throw new IllegalArgumentException("yubicoPrivateId must be " + YubicoOtpBlock.PRIVATE_ID_LENGTH + " bytes");
                }
                if (algorithm != null || digits != 0 || periodSeconds != null || counter != null) {
                    throw new IllegalArgumentException("a Yubico OTP token has no hash algorithm, digits, period or counter");
                }
            }
            default -> throw new IllegalArgumentException("seed files hold HOTP, TOTP and Yubico OTP tokens only");
        }
    }

    /** An HOTP token. */
    public static SeedRecord hotp(String serial, byte[] secret, HashAlgorithm algorithm, int digits, long counter, String userId) {
        return new SeedRecord(serial, TokenType.HOTP, secret, algorithm, digits, null, counter, userId, null, null);
    }

    /** A TOTP token. */
    public static SeedRecord totp(String serial, byte[] secret, HashAlgorithm algorithm, int digits, int periodSeconds, String userId) {
        return new SeedRecord(serial, TokenType.TOTP, secret, algorithm, digits, periodSeconds, null, userId, null, null);
    }

    /** A YubiKey in Yubico OTP mode. */
    public static SeedRecord yubico(String serial, byte[] aesKey, String publicId, byte[] privateId, String userId) {
        return new SeedRecord(serial, TokenType.YUBICO, aesKey, null, 0, null, null, userId, publicId, privateId);
    }

    /** Whether {@code serial} is acceptable: 1 to 64 characters, none of them a control character. */
    public static boolean isValidSerial(String serial) {
        if (serial == null || serial.isEmpty() || serial.length() > MAX_SERIAL_LENGTH || !serial.strip().equals(serial)) {
            return false;
        }
        return serial.chars().noneMatch(Character::isISOControl);
    }

    /** Whether {@code publicId} is a public id the appliance takes: 2 to 16 lower-case modhex characters, even. */
    public static boolean isValidPublicId(String publicId) {
        return publicId != null && publicId.length() >= 2 && publicId.length() <= YubicoOtp.MAX_PUBLIC_ID_LENGTH
                && Modhex.isModhex(publicId) && publicId.equals(publicId.toLowerCase(java.util.Locale.ROOT));
    }

    /** A copy of the secret: the OATH seed, or the Yubico OTP AES key. */
    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** A copy of the 6-byte private id of a Yubico OTP token; null for OATH tokens. */
    @Override
    public byte[] yubicoPrivateId() {
        return yubicoPrivateId == null ? null : yubicoPrivateId.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeedRecord r && serial.equals(r.serial) && type == r.type && Arrays.equals(secret, r.secret)
                && algorithm == r.algorithm && digits == r.digits && Objects.equals(periodSeconds, r.periodSeconds)
                && Objects.equals(counter, r.counter) && Objects.equals(userId, r.userId)
                && Objects.equals(yubicoPublicId, r.yubicoPublicId) && Arrays.equals(yubicoPrivateId, r.yubicoPrivateId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(serial, type, Arrays.hashCode(secret), algorithm, digits, periodSeconds, counter, userId,
                yubicoPublicId, Arrays.hashCode(yubicoPrivateId));
    }

    /** Never shows the secret or the private id, only the secret's length. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("SeedRecord[serial=").append(serial).append(", type=").append(type.wireName());
        if (type.isOath()) {
            s.append(", algorithm=").append(algorithm).append(", digits=").append(digits);
            s.append(type == TokenType.TOTP ? ", periodSeconds=" + periodSeconds : ", counter=" + counter);
        } else {
            s.append(", publicId=").append(yubicoPublicId);
        }
        if (userId != null) {
            s.append(", userId=").append(userId);
        }
        return s.append(", secret=(").append(secret.length).append(" bytes)]").toString();
    }
}
