package org.otpappliance.appliance.it;

import jakarta.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A client of {@code /wsapi/2.0/verify}, written for the tests from the Yubico validation protocol
 * 2.0 itself: it signs requests and parses and checks answers, with nothing shared with the server.
 */
final class Wsapi {
    static final String PATH = "/wsapi/2.0/verify";

    private final Api anonymous;

    Wsapi(Appliance appliance) {
        this.anonymous = new Api(appliance.base(), null);
    }

    /** A client's credentials, as {@code POST /api/v1/clients} hands them out. */
    record Client(String name, long id, byte[] key) {
        static Client of(JsonObject created) {
            return new Client(created.getString("name"), created.getJsonNumber("yubicoId").longValueExact(),
                    Base64.getDecoder().decode(created.getString("yubicoKey")));
        }
    }

    /** One answer: HTTP status, media type, raw body and its key=value lines in order. */
    record Answer(int httpStatus, String contentType, String body, Map<String, String> fields) {
        String status() {
            return fields.get("status");
        }

        String get(String key) {
            return fields.get(key);
        }

        /** The answer's h is the HMAC-SHA1, under {@code key}, of its other lines sorted by key and joined with '&'. */
        boolean signedWith(byte[] key) {
            String h = fields.get("h");
            if (h == null) {
                return false;
            }
            Map<String, String> rest = new TreeMap<>(fields);
            rest.remove("h");
            return h.equals(signature(rest, key));
        }

        /** Every line ends with CR LF, as the protocol's answers do. */
        boolean crlfLines() {
            return body.endsWith("\r\n") && body.replace("\r\n", "").indexOf('\n') < 0 && body.replace("\r\n", "").indexOf('\r') < 0;
        }

        @Override
        public String toString() {
            return httpStatus + " " + contentType + " " + body.replace("\r\n", "\\r\\n ");
        }
    }

    /** A fresh nonce as ykclient makes them: 32 characters of [a-z0-9]. */
    static String nonce() {
        return HexFormat.of().formatHex(VirtualYubiKey.bytes(16));
    }

    /** Base64 of the HMAC-SHA1 of {@code params} (sorted by key, joined as k=v with '&'). */
    static String signature(Map<String, String> params, byte[] key) {
        String text = new TreeMap<>(params).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code params} plus h, signed with {@code key}. */
    static Map<String, String> signed(Map<String, String> params, byte[] key) {
        Map<String, String> out = new LinkedHashMap<>(params);
        out.put("h", signature(params, key));
        return out;
    }

    static String query(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /** A GET with {@code params} exactly as given (sign them first with {@link #signed} if wanted). */
    Answer get(Map<String, String> params) {
        return answer(anonymous.send(anonymous.request(PATH + "?" + query(params)).GET()));
    }

    /** A form-encoded POST with {@code params}. */
    Answer post(Map<String, String> params) {
        return answer(anonymous.send(anonymous.request(PATH).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(query(params)))));
    }

    /** The usual request: id, otp, nonce, signed with the client's key. */
    Answer verify(Client client, String otp, String nonce) {
        return get(signed(params(client, otp, nonce), client.key()));
    }

    static Map<String, String> params(Client client, String otp, String nonce) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("id", Long.toString(client.id()));
        p.put("otp", otp);
        p.put("nonce", nonce);
        return p;
    }

    private static Answer answer(Api.Reply reply) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : reply.body().split("\r?\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new Answer(reply.status(), reply.contentType(), reply.body(), fields);
    }
}
