package org.otpappliance.otp.yubico;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected values computed independently with Python's hmac module over the sorted, joined pairs. */
class ProtocolSignatureTest {
    static final byte[] KEY = Base64.getDecoder().decode("mG5be6ZJU1qBGz24yPh/ESM3UdU=");

    @Test
    void signsTheSortedPairsWithoutH() {
        Map<String, String> request = new LinkedHashMap<>();
        request.put("otp", "vvungrrdhvtklknvrtvuvbbkeidikkvgglrvdgrfcdft");
        request.put("nonce", "jrFwbaYFhn0HoxZIsd9LQ6w2ceU");
        request.put("id", "1");
        assertEquals("+ja8S3IjbX593/LAgTBixwPNGX4=", ProtocolSignature.sign(request, KEY));
        request.put("h", "anything");
        assertEquals("+ja8S3IjbX593/LAgTBixwPNGX4=", ProtocolSignature.sign(request, KEY), "h is not signed");
        assertTrue(ProtocolSignature.verify(request, "+ja8S3IjbX593/LAgTBixwPNGX4=", KEY));
    }

    @Test
    void anEmptyKeySignsAsHmacWithAnEmptyKey() {
        assertEquals("IPWFoKHi9DtbuQHcy227jG+3Uew=",
                ProtocolSignature.sign(Map.of("t", "2026-11-26T03:00:00Z0123", "status", "NO_SUCH_CLIENT"), new byte[0]));
    }

    @Test
    void aChangedValueOrKeyOrMissingSignatureFails() {
        Map<String, String> pairs = Map.of("id", "1", "otp", "x", "nonce", "0123456789abcdef");
        String h = ProtocolSignature.sign(pairs, KEY);
        assertFalse(ProtocolSignature.verify(Map.of("id", "2", "otp", "x", "nonce", "0123456789abcdef"), h, KEY));
        assertFalse(ProtocolSignature.verify(pairs, h, new byte[20]));
        assertFalse(ProtocolSignature.verify(pairs, null, KEY));
        assertFalse(ProtocolSignature.verify(pairs, h.substring(1), KEY));
    }
}
