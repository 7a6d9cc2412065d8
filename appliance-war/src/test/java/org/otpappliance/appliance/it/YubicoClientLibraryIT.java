package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.yubico.client.v2.ResponseStatus;
import com.yubico.client.v2.VerificationResponse;
import com.yubico.client.v2.YubicoClient;
import jakarta.json.JsonObject;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Yubico's own Java client ({@code com.yubico:yubico-validation-client2}) against
 * {@code /wsapi/2.0/verify}: it signs its requests, checks the answer's signature (throwing
 * "Signatures do not match" otherwise) and the echo of otp and nonce, so an OK here proves the
 * exchange byte-compatible with an implementation we did not write. It always asks for
 * {@code timestamp=1}; plain http only makes it log a deprecation warning.
 */
@ExtendWith(SharedAppliance.class)
class YubicoClientLibraryIT {
    static Api api;
    static String url;

    @BeforeAll
    static void connect(Appliance appliance) throws Exception {
        api = appliance.api();
        url = appliance.base() + Wsapi.PATH;
    }

    static YubicoClient client(JsonObject created, String base64Key) {
        YubicoClient client = YubicoClient.getClient(created.getJsonNumber("yubicoId").intValueExact(), base64Key);
        client.setWsapiUrls(new String[] {url});
        return client;
    }

    static VirtualYubiKey enrolledKey() {
        VirtualYubiKey key = VirtualYubiKey.random();
        api.enroll(key.enrollment(api.newUser("yk-lib")));
        return key;
    }

    @Test
    void theLibraryVerifiesAFreshOtpAndSeesItsReplay() throws Exception {
        JsonObject created = api.newYubicoClient("yk-lib", false);
        YubicoClient client = client(created, created.getString("yubicoKey"));
        VirtualYubiKey key = enrolledKey();
        String otp = key.otp(3, 7, 0x123456);

        VerificationResponse ok = client.verify(otp);
        assertTrue(ok.isOk(), ok.getStatus() + " " + ok.getKeyValueMap());
        assertEquals(key.publicId(), ok.getPublicId());
        assertEquals(Integer.toString(0x123456), ok.getTimestamp());
        assertEquals("3", ok.getSessioncounter());
        assertEquals("7", ok.getSessionuse());

        VerificationResponse again = client.verify(otp);
        assertEquals(ResponseStatus.REPLAYED_OTP, again.getStatus(), again.getKeyValueMap().toString());

        assertTrue(client.verify(key.otp(3, 8)).isOk(), "the next press");
    }

    @Test
    void aClientWithTheWrongKeyIsToldBadSignature() throws Exception {
        JsonObject created = api.newYubicoClient("yk-lib-wrong", false);
        YubicoClient client = client(created, Base64.getEncoder().encodeToString(VirtualYubiKey.bytes(20)));
        VerificationResponse r = client.verify(enrolledKey().otp(1, 0));
        assertEquals(ResponseStatus.BAD_SIGNATURE, r.getStatus(), r.getKeyValueMap().toString());
    }
}
