package org.otpappliance.appliance.application;

import java.util.Arrays;
import java.util.Optional;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtp;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * A YubiKey (Yubico OTP mode) in memory: public id, private id and AES key, and the position after
 * the last accepted OTP. A position orders OTPs as (usage counter, session counter) pairs: usage
 * counter x 256 + session counter, so "greater as a pair" is "greater as a number". It is kept in
 * token_state.next_counter, where HOTP keeps its next counter, and is spent by the same
 * conditional update.
 */
final class YubicoToken extends CachedToken {
    static final int SECRET_LENGTH = YubicoKey.LENGTH + YubicoOtpBlock.PRIVATE_ID_LENGTH;

    final String publicId;
    private final byte[] privateId;
    private final YubicoKey key;

    long nextPosition;
    /** The nonce of the Yubico protocol request that spent the last OTP (this node only), for REPLAYED_REQUEST. */
    String lastNonce;

    YubicoToken(long id, String serial, boolean enabled, String pinHash, int pinVersion, String publicId, byte[] secret,
                long nextPosition, int failCount, long lastFailAt) {
        super(id, serial, TokenType.YUBICO, enabled, pinHash, pinVersion, failCount, lastFailAt);
        this.publicId = publicId;
        this.key = new YubicoKey(Arrays.copyOfRange(secret, 0, YubicoKey.LENGTH));
        this.privateId = Arrays.copyOfRange(secret, YubicoKey.LENGTH, SECRET_LENGTH);
        this.nextPosition = nextPosition;
    }

    /** The secret as stored (encrypted): the AES key followed by the private id. */
    static byte[] secret(byte[] aesKey, byte[] privateId) {
        byte[] s = new byte[SECRET_LENGTH];
        System.arraycopy(aesKey, 0, s, 0, YubicoKey.LENGTH);
        System.arraycopy(privateId, 0, s, YubicoKey.LENGTH, YubicoOtpBlock.PRIVATE_ID_LENGTH);
        return s;
    }

    static long position(YubicoOtpBlock b) {
        return ((long) b.usageCounter() << 8) | b.sessionCounter();
    }

    /** The OTP's fields, if it is a genuine OTP of this key (public id, CRC and private id all match), spent or not. */
    Optional<YubicoOtpBlock> decode(String code) {
        return YubicoOtp.parse(code).filter(o -> o.publicId().equals(publicId)).flatMap(key::decrypt)
                .filter(b -> b.privateIdMatches(privateId));
    }

    /** The public id and the 32 modhex characters of the AES block. */
    @Override
    int codeLength() {
        return publicId.length() + YubicoOtp.TOKEN_LENGTH;
    }

    @Override
    Optional<Match> verify(String code, long nowMillis, Windows windows) {
        return decode(code).filter(b -> position(b) >= nextPosition).map(b -> new Match(position(b) + 1, 0, b));
    }

    /** Any genuine OTP at or before the last accepted one: spent. */
    @Override
    boolean isReplay(String code, long nowMillis, Windows windows) {
        return decode(code).filter(b -> position(b) < nextPosition).isPresent();
    }

    @Override
    void accept(Match m) {
        nextPosition = m.position();
        failCount = 0;
    }

    @Override
    boolean countsFailures() {
        return false;
    }
}
