package org.otpappliance.tokenimport;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.seedfile.SeedRecord;
import org.otpappliance.otp.seedfile.UserAssignments;

/**
 * The body of {@code POST /api/v1/tokens/import}:
 * <pre>
 * {"replace": bool, "dryRun": bool, "tokens": [
 *   {"serial", "type": "hotp|totp|yubico", "user"?,
 *    OATH: "secret" (Base32, no padding), "algorithm" (SHA1|SHA256|SHA512), "digits", "period" (TOTP), "counter" (HOTP),
 *    YUBICO: "publicId" (modhex), "privateId" (12 hex digits), "aesKey" (32 hex digits)}]}
 * </pre>
 * The bytes hold seeds: the caller wipes them once sent.
 */
final class ImportRequest {
    /** The appliance's limit on the tokens of one request. */
    static final int MAX_TOKENS = 1000;

    static final JsonProvider JSON = JsonProvider.provider();
    private static final JsonBuilderFactory BUILDERS = JSON.createBuilderFactory(Map.of());

    private ImportRequest() {
    }

    /** One token with the user to assign it to (null for none). */
    record Item(SeedRecord record, String user) {
    }

    static byte[] body(List<Item> items, boolean replace, boolean dryRun) {
        JsonArrayBuilder tokens = BUILDERS.createArrayBuilder();
        for (Item item : items) {
            tokens.add(token(item.record(), item.user()));
        }
        JsonObject body = BUILDERS.createObjectBuilder()
                .add("replace", replace)
                .add("dryRun", dryRun)
                .add("tokens", tokens)
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 160 * items.size());
        try (JsonWriter w = JSON.createWriter(out)) {
            w.writeObject(body);
        }
        return out.toByteArray();
    }

    static JsonObject token(SeedRecord r, String user) {
        JsonObjectBuilder b = BUILDERS.createObjectBuilder()
                .add("serial", r.serial())
                .add("type", r.type().wireName());
        if (user != null) {
            b.add("user", user);
        }
        byte[] secret = r.secret();
        try {
            switch (r.type()) {
                case HOTP, TOTP -> {
                    b.add("secret", Base32.encode(secret)) // RFC 4648 alphabet, never padded
                            .add("algorithm", r.algorithm().name())
                            .add("digits", r.digits());
                    if (r.periodSeconds() != null) {
                        b.add("period", r.periodSeconds());
                    } else {
                        b.add("counter", r.counter());
                    }
                }
                case YUBICO -> {
                    byte[] privateId = r.yubicoPrivateId();
                    b.add("publicId", r.yubicoPublicId())
                            .add("privateId", HexFormat.of().formatHex(privateId))
                            .add("aesKey", HexFormat.of().formatHex(secret));
                    Arrays.fill(privateId, (byte) 0);
                }
                default -> throw new IllegalArgumentException("not a seed-file token type: " + r.type().wireName());
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return b.build();
    }

    /**
     * The file's user id when it looks like a plain user name, else null: PSKC files often carry a directory
     * name ({@code UID=jsmith,DC=example,DC=net}), which is no appliance user.
     */
    static String plainUser(String userId) {
        if (userId == null) {
            return null;
        }
        String u = userId.strip();
        if (u.isEmpty() || u.indexOf('=') >= 0 || u.indexOf(',') >= 0 || u.chars().anyMatch(Character::isISOControl)
                || u.length() > UserAssignments.MAX_USERNAME_LENGTH) {
            return null;
        }
        return u;
    }
}
