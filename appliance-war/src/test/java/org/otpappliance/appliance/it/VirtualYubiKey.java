package org.otpappliance.appliance.it;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoOtpEncoder;

/**
 * A YubiKey in Yubico OTP mode, played in software with otp-core's test-side encoder: random
 * public id (12 modhex characters, as shipped), private id and AES key; the test picks the
 * counters of each OTP, as a real key would step them.
 */
record VirtualYubiKey(String publicId, byte[] privateId, byte[] aesKey) {
    static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    static VirtualYubiKey random() {
        return new VirtualYubiKey(Modhex.encode(bytes(6)), bytes(6), bytes(16));
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The same key with another AES key: its OTPs decrypt to garbage on the appliance. */
    VirtualYubiKey withAesKey(byte[] otherKey) {
        return new VirtualYubiKey(publicId, privateId, otherKey);
    }

    /** The same key with another private id inside its OTPs: they decrypt, but to the wrong token. */
    VirtualYubiKey withPrivateId(byte[] otherId) {
        return new VirtualYubiKey(publicId, otherId, aesKey);
    }

    VirtualYubiKey withPublicId(String otherId) {
        return new VirtualYubiKey(otherId, privateId, aesKey);
    }

    /**
     * What the key types for usage counter {@code usage} and session counter {@code session}. As on
     * a real key, the 8 Hz timestamp starts anywhere when a session starts (it is plugged in) and
     * grows with the presses of that session (here 5 s apart).
     */
    String otp(int usage, int session) {
        int sessionStart = (int) ((usage * 2_654_435_761L) & 0x7f_ffff);
        return otp(usage, session, sessionStart + session * 40);
    }

    /** Likewise with a given 24-bit 8 Hz timestamp. */
    String otp(int usage, int session, int timestamp) {
        byte[] plaintext = YubicoOtpEncoder.plaintext(privateId, usage, timestamp, session, RANDOM.nextInt(0x1_0000));
        return YubicoOtpEncoder.otp(publicId, aesKey, plaintext);
    }

    /** The body of {@code POST /api/v1/tokens} that enrolls this key for {@code user}. */
    JsonObject enrollment(String user) {
        return Json.createObjectBuilder().add("user", user).add("type", "yubico").add("publicId", publicId)
                .add("privateId", HEX.formatHex(privateId)).add("aesKey", HEX.formatHex(aesKey)).build();
    }
}
