package org.otpappliance.otp.yubico;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures of the Yubico validation protocol 2.0 (yubikey-val, "Validation Protocol Version
 * 2.0", "Generating signatures"): HMAC-SHA1, keyed with the client's API key, over the message's
 * key=value pairs other than {@code h}, sorted by key and joined with '&amp;', then Base64. Requests
 * and responses are signed alike; the values are the decoded ones, not their URL encoding.
 */
public final class ProtocolSignature {
    private ProtocolSignature() {
    }

    /** The signature ({@code h}) of the pairs; an {@code h} among them is left out. */
    public static String sign(Map<String, String> pairs, byte[] key) {
        String line = new TreeMap<>(pairs).entrySet().stream().filter(e -> !e.getKey().equals("h"))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            // HMAC pads a short key with zero bytes (RFC 2104), so one zero byte is the empty key,
            // which the JDK refuses: answers to unknown clients are signed with it, as yubikey-val does.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(line.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 unavailable", e);
        }
    }

    /** Whether {@code h} is the pairs' signature, compared in constant time. */
    public static boolean verify(Map<String, String> pairs, String h, byte[] key) {
        byte[] expected = sign(pairs, key).getBytes(StandardCharsets.US_ASCII);
        return h != null && MessageDigest.isEqual(expected, h.getBytes(StandardCharsets.UTF_8));
    }
}
