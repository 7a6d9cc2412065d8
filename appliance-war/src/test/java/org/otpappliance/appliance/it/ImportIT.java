package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;

/**
 * Bulk import ({@code POST /api/v1/tokens/import}): JSON batches and seed files (PSKC, OATH CSV, YubiKey CSV) go in,
 * and codes computed from the imported secrets validate, over REST and (for YubiKeys without an owner) over the
 * Yubico validation protocol.
 */
@ExtendWith(SharedAppliance.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImportIT {
    static final String PATH = "/api/v1/tokens/import";
    /** RFC 6030 section 6.1's pre-shared key, and the secret of its figures 6 and 7. */
    static final String FIGURE6_KEY = "12345678901234567890123456789012";
    static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    static final HexFormat HEX = HexFormat.of();
    /** Every secret this class sends, in the forms it sends them: none may show in the log or the audit. */
    static final List<String> SECRETS = Collections.synchronizedList(new ArrayList<>());

    static Appliance appliance;
    static Api api;
    static Wsapi wsapi;

    @BeforeAll
    static void connect(Appliance shared) throws Exception {
        appliance = shared;
        api = shared.api();
        wsapi = new Wsapi(shared);
        SECRETS.add(FIGURE6_KEY);
        SECRETS.add("qwerty");
    }

    // Helpers.

    static String serial(String kind) {
        return "IMP-" + kind + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static byte[] seed(int bytes) {
        byte[] s = VirtualYubiKey.bytes(bytes);
        SECRETS.add(Base32.encode(s));
        SECRETS.add(HEX.formatHex(s));
        return s;
    }

    static VirtualYubiKey yubiKey() {
        VirtualYubiKey k = VirtualYubiKey.random();
        SECRETS.add(HEX.formatHex(k.aesKey()));
        SECRETS.add(HEX.formatHex(k.privateId()));
        return k;
    }

    static JsonObjectBuilder hotp(String serial, byte[] seed, String user) {
        JsonObjectBuilder b = Json.createObjectBuilder().add("serial", serial).add("type", "hotp").add("secret", Base32.encode(seed));
        return user == null ? b : b.add("user", user);
    }

    static JsonObjectBuilder totp(String serial, byte[] seed, String user) {
        JsonObjectBuilder b = Json.createObjectBuilder().add("serial", serial).add("type", "totp").add("secret", Base32.encode(seed));
        return user == null ? b : b.add("user", user);
    }

    static JsonObjectBuilder yubico(String serial, VirtualYubiKey k, String user) {
        JsonObjectBuilder b = Json.createObjectBuilder().add("serial", serial).add("type", "yubico").add("publicId", k.publicId())
                .add("privateId", HEX.formatHex(k.privateId())).add("aesKey", HEX.formatHex(k.aesKey()));
        return user == null ? b : b.add("user", user);
    }

    static Api.Reply importJson(boolean replace, boolean dryRun, JsonObjectBuilder... tokens) {
        JsonArrayBuilder a = Json.createArrayBuilder();
        for (JsonObjectBuilder t : tokens) {
            a.add(t);
        }
        return api.post(PATH, Json.createObjectBuilder().add("replace", replace).add("dryRun", dryRun).add("tokens", a).build());
    }

    /** The report of a successful import. */
    static JsonObject imported(Api.Reply r) {
        assertEquals(200, r.status(), r.body());
        assertEquals("application/json", r.contentType().split(";")[0], r.body());
        return r.json();
    }

    static JsonObject result(JsonObject report, int i) {
        return report.getJsonArray("results").getJsonObject(i);
    }

    static String status(JsonObject report, int i) {
        return result(report, i).getString("status");
    }

    static Api.Reply upload(String contentType, String query, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = api.request(PATH + (query.isEmpty() ? "" : "?" + query)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return api.send(b);
    }

    static String figure(String name) throws IOException {
        try (InputStream in = ImportIT.class.getResourceAsStream("/import/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** RFC 6030 figure 6 (or 7) with a serial of this test's own and, if given, a user for its key. */
    static byte[] figure(String name, String serial, String user) throws IOException {
        String xml = figure(name).replace("<SerialNo>987654321</SerialNo>", "<SerialNo>" + serial + "</SerialNo>")
                .replace("<pskc:SerialNo>987654321</pskc:SerialNo>", "<pskc:SerialNo>" + serial + "</pskc:SerialNo>");
        assertTrue(xml.contains(serial), "the fixture names serial 987654321");
        if (user != null) {
            xml = xml.replace("<Issuer>Issuer</Issuer>", "<Issuer>Issuer</Issuer><UserId>" + user + "</UserId>");
            assertTrue(xml.contains("<UserId>"), "the fixture has an Issuer element");
        }
        return xml.getBytes(StandardCharsets.UTF_8);
    }

    static String hotpCode(byte[] seed, long counter) {
        return Hotp.code(seed, counter, 6, HashAlgorithm.SHA1);
    }

    static String totpCode(byte[] seed, int period, int digits, HashAlgorithm algorithm) {
        return Hotp.code(seed, Totp.timeStep(System.currentTimeMillis() / 1000, period), digits, algorithm);
    }

    static String wsapiStatus(String otp) {
        Wsapi.Client client = Wsapi.Client.of(api.newYubicoClient("imp-client", false));
        return wsapi.verify(client, otp, Wsapi.nonce()).status();
    }

    static JsonObject token(String serial) {
        Api.Reply r = api.get("/api/v1/tokens/" + serial);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    static List<String> actions(String user, String serial) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : api.audit(user)) {
            JsonObject line = v.asJsonObject();
            if (serial == null || serial.equals(line.getString("serial", null))) {
                out.add(line.getString("action"));
            }
        }
        return out;
    }

    // JSON batches.

    @Test
    void aJsonBatchImportsHotpTotpAndYubiKeysWithAndWithoutUsersAndTheirCodesValidate() {
        String alice = api.newUser("imp");
        String newcomer = "imp-new-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] hotpSeed = seed(20);
        byte[] totpSeed = seed(32);
        byte[] unownedSeed = seed(16);
        VirtualYubiKey owned = yubiKey();
        VirtualYubiKey unowned = yubiKey();
        String[] serials = {serial("hotp"), serial("totp"), serial("yk"), serial("yk"), serial("hotp")};

        JsonObject report = imported(importJson(false, false,
                hotp(serials[0], hotpSeed, alice).add("counter", 5).add("description", "desk drawer 3"),
                totp(serials[1], totpSeed, newcomer).add("algorithm", "SHA256").add("digits", 8).add("period", 60),
                yubico(serials[2], owned, alice),
                yubico(serials[3], unowned, null),
                hotp(serials[4], unownedSeed, null)));
        assertEquals(5, report.getInt("imported"), report.toString());
        assertEquals(0, report.getInt("replaced") + report.getInt("skipped") + report.getInt("failed"));
        assertFalse(report.getBoolean("dryRun"));
        for (int i = 0; i < serials.length; i++) {
            assertEquals(serials[i], result(report, i).getString("serial"), "results in request order");
            assertEquals("imported", status(report, i));
        }

        assertEquals("ACCEPT", api.validate(alice, hotpCode(hotpSeed, 5)), "HOTP from the imported counter");
        assertEquals("REJECT", api.validate(alice, hotpCode(hotpSeed, 4)), "codes before the imported counter are not");
        assertEquals(200, api.get("/api/v1/users/" + newcomer).status(), "a missing user is created");
        assertEquals("ACCEPT", api.validate(newcomer, totpCode(totpSeed, 60, 8, HashAlgorithm.SHA256)), "TOTP SHA256/8/60 s");
        assertEquals("ACCEPT", api.validate(alice, owned.otp(3, 0)), "a YubiKey with an owner, over REST");
        assertEquals("OK", wsapiStatus(unowned.otp(3, 0)), "a YubiKey without an owner, over the Yubico protocol");
        assertEquals("REPLAYED_OTP", wsapiStatus(unowned.otp(3, 0)), "and its state is kept like any other's");

        JsonObject h = token(serials[0]);
        assertEquals(alice, h.getString("user"));
        assertEquals("desk drawer 3", h.getString("description"));
        JsonObject t = token(serials[1]);
        assertEquals("SHA256", t.getString("algorithm"));
        assertEquals(8, t.getInt("digits"));
        assertEquals(60, t.getInt("period"));
        assertFalse(token(serials[4]).containsKey("user"), "imported without an owner");
        assertEquals(unowned.publicId(), token(serials[3]).getString("publicId"));

        assertEquals(2, Collections.frequency(actions(alice, null), "TOKEN_IMPORT"), "one audit line per token written");
        assertEquals(List.of("TOKEN_IMPORT"), actions(newcomer, serials[1]).stream().filter(a -> a.startsWith("TOKEN")).toList());
        assertTrue(actions(newcomer, null).contains("USER_CREATE"));
    }

    @Test
    void reImportingSkipsExistingSerialsAndChangesNothing() {
        String user = api.newUser("imp-skip");
        byte[] original = seed(20);
        String s = serial("hotp");
        imported(importJson(false, false, hotp(s, original, user)));
        assertEquals("ACCEPT", api.validate(user, hotpCode(original, 0)));

        JsonObject again = imported(importJson(false, false, hotp(s, seed(20), user)));
        assertEquals(1, again.getInt("skipped"));
        assertEquals("skipped", status(again, 0));
        assertTrue(result(again, 0).containsKey("reason"));
        assertEquals("ACCEPT", api.validate(user, hotpCode(original, 1)), "the token kept its secret and state");
        assertEquals(1, Collections.frequency(actions(user, s), "TOKEN_IMPORT"), "a skipped item writes no audit line");
    }

    @Test
    void replaceResetsTheStateAndTakesTheNewSecretParametersAndOwner() {
        String user = api.newUser("imp-repl");
        byte[] seed = seed(20);
        String s = serial("hotp");
        imported(importJson(false, false, hotp(s, seed, user)));
        for (long c = 0; c <= 2; c++) {
            assertEquals("ACCEPT", api.validate(user, hotpCode(seed, c)));
        }
        assertEquals("REJECT", api.validate(user, hotpCode(seed, 1)), "spent");
        assertEquals("REJECT", api.validate(user, "000000"));
        assertTrue(token(s).getInt("failCount") > 0);
        assertEquals(200, api.post("/api/v1/tokens/" + s + "/disable", "").status());

        // The same seed again with replace: the token is back to the imported counter, as the admin said, so codes that
        // were spent before that counter are accepted once more. Fail count and disabling are reset too.
        JsonObject report = imported(importJson(true, false, hotp(s, seed, null)));
        assertEquals(1, report.getInt("replaced"));
        assertEquals("replaced", status(report, 0));
        JsonObject t = token(s);
        assertTrue(t.getBoolean("enabled"));
        assertEquals(0, t.getInt("failCount"));
        assertEquals(user, t.getString("user"), "a replacement without a user keeps the owner");
        assertEquals("ACCEPT", api.validate(user, hotpCode(seed, 1)), "the counter is the imported one (0)");
        assertEquals("REJECT", api.validate(user, hotpCode(seed, 0)));

        // A new seed, counter and owner.
        String other = api.newUser("imp-repl2");
        byte[] newSeed = seed(32);
        imported(importJson(true, false, hotp(s, newSeed, other).add("counter", 100).add("digits", 8)));
        assertEquals("REJECT", api.validate(user, hotpCode(seed, 2)), "the old owner has the token no more");
        assertEquals("REJECT", api.validate(other, Hotp.code(newSeed, 99, 8, HashAlgorithm.SHA1)));
        assertEquals("ACCEPT", api.validate(other, Hotp.code(newSeed, 100, 8, HashAlgorithm.SHA1)));
        assertEquals(other, token(s).getString("user"));
        assertEquals(8, token(s).getInt("digits"));
        assertTrue(actions(other, s).contains("TOKEN_REPLACE"));
        assertTrue(actions(user, s).contains("TOKEN_REPLACE"));
    }

    @Test
    void replaceResetsTheLastTimeStepOfTotpAndTheCountersOfAYubiKey() {
        String user = api.newUser("imp-repl-t");
        byte[] seed = seed(20);
        String t = serial("totp");
        VirtualYubiKey key = yubiKey();
        String y = serial("yk");
        imported(importJson(false, false, totp(t, seed, user), yubico(y, key, user)));
        String code = totpCode(seed, 30, 6, HashAlgorithm.SHA1);
        assertEquals("ACCEPT", api.validate(user, code));
        assertEquals("ACCEPT", api.validate(user, key.otp(7, 0)));

        VirtualYubiKey reprogrammed = key.withAesKey(VirtualYubiKey.bytes(16));
        SECRETS.add(HEX.formatHex(reprogrammed.aesKey()));
        JsonObject report = imported(importJson(true, false, totp(t, seed, user), yubico(y, reprogrammed, user)));
        assertEquals(2, report.getInt("replaced"), report.toString());
        String again = totpCode(seed, 30, 6, HashAlgorithm.SHA1);
        assertEquals("ACCEPT", api.validate(user, again), "the last time step was reset by the replacement");
        assertEquals("ACCEPT", api.validate(user, reprogrammed.otp(1, 0)), "the reprogrammed key starts from the start again");
        assertEquals("REJECT", api.validate(user, key.otp(8, 0)), "the old AES key is gone");
    }

    @Test
    void aDryRunReportsWhatWouldHappenAndWritesNothing() {
        String user = api.newUser("imp-dry");
        byte[] seed = seed(20);
        String existing = serial("hotp");
        imported(importJson(false, false, hotp(existing, seed, user)));
        String fresh = serial("hotp");
        String wouldBeUser = "imp-dry-new-" + UUID.randomUUID().toString().substring(0, 8);

        JsonObject report = imported(importJson(true, true, hotp(existing, seed(20), wouldBeUser),
                hotp(fresh, seed(20), wouldBeUser), hotp(serial("hotp"), seed(20), null).add("digits", 9)));
        assertTrue(report.getBoolean("dryRun"));
        assertEquals(List.of("replaced", "imported", "failed"), List.of(status(report, 0), status(report, 1), status(report, 2)));
        assertEquals(1, report.getInt("imported"));
        assertEquals(1, report.getInt("replaced"));
        assertEquals(1, report.getInt("failed"));

        assertEquals(404, api.get("/api/v1/tokens/" + fresh).status(), "nothing imported");
        assertEquals(404, api.get("/api/v1/users/" + wouldBeUser).status(), "no user created");
        assertEquals(user, token(existing).getString("user"), "nothing replaced");
        assertEquals("ACCEPT", api.validate(user, hotpCode(seed, 0)), "the old secret still holds");
        assertFalse(actions(user, existing).contains("TOKEN_REPLACE"), "nothing audited");

        JsonObject withoutReplace = imported(importJson(false, true, hotp(existing, seed(20), null)));
        assertEquals("skipped", status(withoutReplace, 0));
    }

    @Test
    void badItemsFailWithReasonsAndTheGoodOnesInTheSameBatchAreImported() {
        String user = api.newUser("imp-bad");
        VirtualYubiKey taken = yubiKey();
        String takenSerial = serial("yk");
        imported(importJson(false, false, yubico(takenSerial, taken, user)));

        byte[] good = seed(20);
        String goodSerial = serial("good");
        VirtualYubiKey goodKey = yubiKey();
        String goodKeySerial = serial("good-yk");
        byte[] shortSeed = seed(10);
        byte[] other = seed(20);
        String otherB32 = Base32.encode(other);
        String longSerial = "S".repeat(65);
        // item -> what its reason must say
        List<Map.Entry<JsonValue, String>> bad = List.of(
                Map.entry(hotp(serial("b32"), other, user).add("secret", otherB32.substring(0, 20) + "!1" + otherB32.substring(22)).build(),
                        "Base32"),
                Map.entry(hotp(serial("digits"), other, user).add("digits", 9).build(), "digits"),
                Map.entry(totp(serial("period"), other, user).add("period", 0).build(), "period"),
                Map.entry(totp(serial("period"), other, user).add("period", 3601).build(), "period"),
                Map.entry(hotp(serial("short"), shortSeed, user).build(), "16 to 128 bytes"),
                Map.entry(hotp(serial("type"), other, user).add("type", "ocra").build(), "type"),
                Map.entry(hotp("", other, user).build(), "serial"),
                Map.entry(hotp(longSerial, other, user).build(), "serial"),
                Map.entry(Json.createObjectBuilder().add("type", "hotp").add("secret", otherB32).build(), "missing field: serial"),
                Map.entry(Json.createValue(42), "object"),
                Map.entry(hotp(serial("field"), other, user).add("secrets", otherB32).build(), "unknown field"),
                Map.entry(hotp(serial("json"), other, user).add("digits", "6").build(), "whole number"),
                Map.entry(yubico(serial("pubid"), yubiKey(), user).add("publicId", "abcd").build(), "publicId"),
                Map.entry(yubico(serial("privid"), yubiKey(), user).add("privateId", "0123456789zz").build(), "privateId"),
                Map.entry(yubico(serial("aes"), yubiKey(), user).add("aesKey", "0123").build(), "aesKey"),
                Map.entry(yubico(serial("ykhotp"), yubiKey(), user).add("digits", 6).build(), "TOTP and HOTP tokens only"),
                Map.entry(totp(serial("counter"), other, user).add("counter", 3).build(), "counter"),
                Map.entry(Json.createObjectBuilder().add("serial", serial("nosecret")).add("type", "hotp").build(), "missing field: secret"),
                Map.entry(hotp(serial("user"), other, "bad user").build(), "user"),
                Map.entry(yubico(serial("inuse"), taken.withAesKey(VirtualYubiKey.bytes(16)), user).build(), "public id in use"));
        JsonArrayBuilder items = Json.createArrayBuilder().add(hotp(goodSerial, good, user));
        bad.forEach(e -> items.add(e.getKey()));
        items.add(yubico(goodKeySerial, goodKey, null));
        items.add(yubico(serial("dup"), goodKey.withAesKey(VirtualYubiKey.bytes(16)), null)); // its public id, just claimed

        Api.Reply r = api.post(PATH, Json.createObjectBuilder().add("tokens", items).build());
        JsonObject report = imported(r);
        assertEquals(2, report.getInt("imported"), report.toString());
        assertEquals(bad.size() + 1, report.getInt("failed"));
        assertEquals("imported", status(report, 0));
        for (int i = 0; i < bad.size(); i++) {
            JsonObject res = result(report, i + 1);
            assertEquals("failed", res.getString("status"), res.toString());
            String reason = res.getString("reason");
            assertTrue(reason.contains(bad.get(i).getValue()), "item " + (i + 2) + ": " + reason);
            assertTrue(res.containsKey("serial") || res.containsKey("position"), res.toString());
        }
        assertEquals("item 10", result(report, 9).getString("position"), "an item without a serial is named by position");
        assertEquals("imported", status(report, bad.size() + 1));
        assertEquals("public id in use", result(report, bad.size() + 2).getString("reason"));
        for (String secret : List.of(otherB32, HEX.formatHex(other), Base32.encode(shortSeed), HEX.formatHex(taken.aesKey()))) {
            assertFalse(r.body().contains(secret), "no secret in the answer");
        }

        assertEquals("ACCEPT", api.validate(user, hotpCode(good, 0)), "the good item was imported");
        assertEquals("OK", wsapiStatus(goodKey.otp(1, 0)));
        assertEquals(404, api.get("/api/v1/tokens/" + result(report, 2).getString("serial")).status());
    }

    @Test
    void aBatchOfAThousandIsTakenAndOneMoreIsRefused() {
        JsonArrayBuilder many = Json.createArrayBuilder();
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            String s = serial("bulk");
            serials.add(s);
            many.add(hotp(s, VirtualYubiKey.bytes(20), null));
        }
        Api.Reply r = api.post(PATH, Json.createObjectBuilder().add("tokens", many).build());
        assertEquals(400, r.status(), r.body());
        assertEquals("application/problem+json", r.contentType());
        assertEquals("urn:otp-appliance:problem:too-many-tokens", r.problemType());
        assertEquals(404, api.get("/api/v1/tokens/" + serials.get(0)).status(), "nothing imported");

        JsonArrayBuilder thousand = Json.createArrayBuilder();
        for (int i = 0; i < 1000; i++) {
            thousand.add(hotp(serials.get(i), VirtualYubiKey.bytes(20), null));
        }
        JsonObject report = imported(api.post(PATH, Json.createObjectBuilder().add("tokens", thousand).build()));
        assertEquals(1000, report.getInt("imported"));
        assertEquals(serials.get(999), result(report, 999).getString("serial"));
        token(serials.get(999));
    }

    @Test
    void requestsTheEndpointRefusesAsAWhole() {
        Api.Reply big = api.post(PATH, "{\"tokens\":[],\"x\":\"" + "a".repeat(4 * 1024 * 1024) + "\"}");
        assertEquals(413, big.status(), big.body());
        assertEquals("urn:otp-appliance:problem:payload-too-large", big.problemType());

        Api.Reply validateKey = api.withKey(api.newClient("imp-validate", "validate").getString("apiKey"))
                .post(PATH, "{\"tokens\":[]}");
        assertEquals(403, validateKey.status(), validateKey.body());
        assertEquals("urn:otp-appliance:problem:forbidden", validateKey.problemType());
        assertEquals(401, api.withKey(null).post(PATH, "{\"tokens\":[]}").status());

        assertEquals("urn:otp-appliance:problem:missing-field", api.post(PATH, "{}").problemType());
        assertEquals("urn:otp-appliance:problem:unknown-field", api.post(PATH, "{\"tokens\":[],\"replce\":true}").problemType());
        assertEquals("urn:otp-appliance:problem:invalid-field", api.post(PATH, "{\"tokens\":{}}").problemType());
        assertEquals("urn:otp-appliance:problem:invalid-parameter", api.post(PATH + "?dryRun=true", "{\"tokens\":[]}").problemType());
        JsonObject empty = imported(api.post(PATH, "{\"tokens\":[]}"));
        assertEquals(0, empty.getJsonArray("results").size());

        Api.Reply octets = upload("application/octet-stream", "", new byte[10], Map.of());
        assertEquals(415, octets.status(), octets.body());

        Api.Reply openApi = api.withKey(null).get("/openapi");
        assertEquals(200, openApi.status());
        assertTrue(openApi.body().contains("/api/v1/tokens/import"), "the OpenAPI document lists the endpoint");
        assertTrue(openApi.body().contains("application/pskc+xml") && openApi.body().contains("text/csv"),
                "with both of its bodies: " + openApi.body());
    }

    // Seed files.

    @Test
    void aPskcFileWithAPreSharedKeyImportsAndItsCodeValidates() throws IOException {
        String user = "imp-pskc-" + UUID.randomUUID().toString().substring(0, 8);
        String s = serial("pskc");
        JsonObject report = imported(upload("application/pskc+xml", "", figure("rfc6030-figure6.xml", s, user),
                Map.of("X-Import-Key", FIGURE6_KEY)));
        assertEquals(1, report.getInt("imported"), report.toString());
        assertEquals(s, result(report, 0).getString("serial"));
        JsonObject t = token(s);
        assertEquals(user, t.getString("user"), "the file's plain user id names the owner, created if missing");
        assertEquals(8, t.getInt("digits"));
        assertEquals("ACCEPT", api.validate(user, Hotp.code(RFC_SECRET, 0, 8, HashAlgorithm.SHA1)));
        assertEquals("ACCEPT", api.validate(user, Hotp.code(RFC_SECRET, 1, 8, HashAlgorithm.SHA1)));

        JsonObject again = imported(upload("application/xml", "replace=false", figure("rfc6030-figure6.xml", s, user),
                Map.of("X-Import-Key", FIGURE6_KEY)));
        assertEquals("skipped", status(again, 0), "application/xml is PSKC too; the serial exists");
    }

    @Test
    void aPskcFileWithTheWrongKeyOrNoKeyImportsNothing() throws IOException {
        String s = serial("pskc-wrong");
        String wrongKey = "00" + FIGURE6_KEY.substring(2);
        JsonObject report = imported(upload("application/pskc+xml", "", figure("rfc6030-figure6.xml", s, null),
                Map.of("X-Import-Key", wrongKey)));
        assertEquals(1, report.getInt("failed"), report.toString());
        JsonObject r = result(report, 0);
        assertEquals("failed", r.getString("status"));
        assertTrue(r.getString("position").startsWith("KeyPackage 1"), r.toString());
        assertTrue(List.of("wrong password or key", "wrong MAC").contains(r.getString("reason")), r.toString());
        assertEquals(404, api.get("/api/v1/tokens/" + s).status());

        Api.Reply noKey = upload("application/pskc+xml", "", figure("rfc6030-figure6.xml", s, null), Map.of());
        assertEquals(400, noKey.status(), noKey.body());
        assertEquals("urn:otp-appliance:problem:invalid-file", noKey.problemType());
        assertTrue(noKey.json().getString("detail").contains("key"), noKey.body());

        Api.Reply badKey = upload("application/pskc+xml", "", figure("rfc6030-figure6.xml", s, null), Map.of("X-Import-Key", "xyz"));
        assertEquals("urn:otp-appliance:problem:invalid-import-key", badKey.problemType());
        Api.Reply both = upload("application/pskc+xml", "", figure("rfc6030-figure6.xml", s, null),
                Map.of("X-Import-Key", FIGURE6_KEY, "X-Import-Password", "qwerty"));
        assertEquals(400, both.status(), both.body());
        assertEquals(404, api.get("/api/v1/tokens/" + s).status());
    }

    @Test
    void aPasswordProtectedPskcFileIsReadWithThePassword() throws IOException {
        String s = serial("pskc-pw");
        JsonObject dry = imported(upload("application/pskc+xml", "dryRun=true", figure("rfc6030-figure7.xml", s, null),
                Map.of("X-Import-Password", "qwerty")));
        assertTrue(dry.getBoolean("dryRun"));
        assertEquals("imported", status(dry, 0), dry.toString());
        assertEquals(404, api.get("/api/v1/tokens/" + s).status(), "a dry run");

        JsonObject encoded = imported(upload("application/pskc+xml", "dryRun=true", figure("rfc6030-figure7.xml", s, null),
                Map.of("X-Import-Password", "UTF-8''qw%65rty")));
        assertEquals("imported", status(encoded, 0), "a password may come percent-encoded (RFC 8187), for non-ASCII ones");

        JsonObject wrong = imported(upload("application/pskc+xml", "", figure("rfc6030-figure7.xml", s, null),
                Map.of("X-Import-Password", "qwertz")));
        assertEquals("wrong password or key", result(wrong, 0).getString("reason"));

        JsonObject real = imported(upload("application/pskc+xml", "", figure("rfc6030-figure7.xml", s, null),
                Map.of("X-Import-Password", "qwerty")));
        assertEquals("imported", status(real, 0));
        assertFalse(token(s).containsKey("user"));
    }

    @Test
    void anXxeFileIsRefusedAndNothingIsRead() throws IOException {
        String marker = "imp-marker-" + UUID.randomUUID();
        Path secretFile = Files.createTempFile("imp-xxe", ".txt");
        Files.writeString(secretFile, marker);
        String keyPackage = "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage><DeviceInfo>"
                + "<SerialNo>&e;</SerialNo></DeviceInfo><Key Id=\"1\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">"
                + "<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>";
        for (String doctype : List.of("<!DOCTYPE KeyContainer [<!ENTITY e SYSTEM \"" + secretFile.toUri() + "\">]>",
                "<!DOCTYPE KeyContainer SYSTEM \"" + secretFile.toUri() + "\">",
                "<!DOCTYPE KeyContainer [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                        + "<!ENTITY e \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>")) {
            Api.Reply r = upload("application/pskc+xml", "", ("<?xml version=\"1.0\"?>" + doctype + keyPackage)
                    .getBytes(StandardCharsets.UTF_8), Map.of());
            assertEquals(400, r.status(), r.body());
            assertEquals("urn:otp-appliance:problem:invalid-file", r.problemType());
            assertFalse(r.body().contains(marker), r.body());
        }
        assertEquals(404, api.get("/api/v1/tokens/" + marker).status());
        assertFalse(Files.readString(appliance.log()).contains(marker), "the file was never read");
    }

    @Test
    void oathCsvUploadsImportTheGoodLinesAndReportTheBadOnes() {
        String user = "imp-csv-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] hotpSeed = seed(20);
        byte[] totpSeed = seed(20);
        String[] serials = {serial("csv"), serial("csv"), serial("csv"), serial("csv"), serial("csv")};
        String csv = "serial,seed,type,digits,counter-or-period,user\n"
                + serials[0] + "," + HEX.formatHex(hotpSeed) + ",hotp,6,3," + user + "\n"
                + serials[1] + "," + HEX.formatHex(totpSeed) + ",totp,6,30\n"
                + serials[2] + "," + HEX.formatHex(seed(20)).substring(2) + "zz,totp,6,30\n"
                + serials[3] + "," + HEX.formatHex(seed(20)) + ",totp,6,86400\n"
                + serials[4] + "," + HEX.formatHex(seed(10)) + ",hotp,6,0\n";
        Api.Reply missingFormat = upload("text/csv", "", csv.getBytes(StandardCharsets.UTF_8), Map.of());
        assertEquals("urn:otp-appliance:problem:missing-parameter", missingFormat.problemType());
        assertEquals("urn:otp-appliance:problem:invalid-parameter",
                upload("text/csv", "format=excel", csv.getBytes(StandardCharsets.UTF_8), Map.of()).problemType());
        assertEquals(404, api.get("/api/v1/tokens/" + serials[0]).status());

        Api.Reply r = upload("text/csv; charset=utf-8", "format=oath-csv", csv.getBytes(StandardCharsets.UTF_8), Map.of());
        JsonObject report = imported(r);
        assertEquals(2, report.getInt("imported"), report.toString());
        assertEquals(3, report.getInt("failed"));
        assertEquals(List.of("imported", "imported", "failed", "failed", "failed"),
                List.of(status(report, 0), status(report, 1), status(report, 2), status(report, 3), status(report, 4)));
        assertEquals("line 4", result(report, 2).getString("position"), "the parser's position");
        assertTrue(result(report, 3).getString("reason").contains("period"), result(report, 3).toString());
        assertEquals(serials[3], result(report, 3).getString("serial"));
        assertTrue(result(report, 4).getString("reason").contains("16 to 128 bytes"), result(report, 4).toString());

        assertEquals("ACCEPT", api.validate(user, hotpCode(hotpSeed, 3)));
        assertFalse(token(serials[1]).containsKey("user"));
        assertEquals(30, token(serials[1]).getInt("period"));
    }

    @Test
    void yubikeyCsvUploadsImportKeysThatValidate() {
        VirtualYubiKey key = yubiKey();
        String serial = Long.toString(100_000_000L + VirtualYubiKey.RANDOM.nextInt(900_000_000));
        String row = serial + "," + key.publicId() + "," + HEX.formatHex(key.privateId()) + "," + HEX.formatHex(key.aesKey())
                + ",000000000000,2026-11-26T08:43:17,\n";
        JsonObject dry = imported(upload("text/csv", "format=yubikey-csv&dryRun=true", row.getBytes(StandardCharsets.US_ASCII), Map.of()));
        assertEquals("imported", status(dry, 0), dry.toString());
        assertEquals("BAD_OTP", wsapiStatus(key.otp(1, 0)), "a dry run wrote nothing");

        JsonObject report = imported(upload("text/csv", "format=yubikey-csv", row.getBytes(StandardCharsets.US_ASCII), Map.of()));
        assertEquals(serial, result(report, 0).getString("serial"));
        assertEquals("imported", status(report, 0));
        assertEquals("OK", wsapiStatus(key.otp(2, 0)));
        assertEquals(key.publicId(), token(serial).getString("publicId"));

        JsonObject replaced = imported(upload("text/csv", "format=yubikey-csv&replace=true",
                row.getBytes(StandardCharsets.US_ASCII), Map.of()));
        assertEquals("replaced", status(replaced, 0));
        Api.Reply badFlag = upload("text/csv", "format=yubikey-csv&replace=yes", row.getBytes(StandardCharsets.US_ASCII), Map.of());
        assertEquals("urn:otp-appliance:problem:invalid-parameter", badFlag.problemType());
    }

    @Test
    void aFileOver64MiBIsRefused() throws Exception {
        byte[] huge = new byte[64 * 1024 * 1024 + 1];
        Arrays.fill(huge, (byte) '#'); // comment lines: a parser would skip them all
        // Refused on its Content-Length, before the body is read: a client that asks "Expect: 100-continue" is told so
        // before it sends the body (one that does not may see the connection closed while it still sends).
        HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> declared = http11.send(api.request(PATH + "?format=oath-csv").header("Content-Type", "text/csv")
                .expectContinue(true).POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, declared.statusCode(), declared.body());
        assertTrue(declared.body().contains("urn:otp-appliance:problem:payload-too-large"), declared.body());

        // Without a Content-Length (chunked), the limit cuts the stream as it is parsed.
        Api.Reply chunked = api.send(api.request(PATH + "?format=oath-csv").header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))));
        assertEquals(413, chunked.status(), chunked.body());
        assertEquals("urn:otp-appliance:problem:payload-too-large", chunked.problemType());
    }

    /** Runs last: what every test above sent as a secret shows neither in the appliance's log nor in the audit log. */
    @Test
    @Order(Integer.MAX_VALUE)
    void secretsAreNeverInTheLogOrTheAudit() throws IOException {
        String log = Files.readString(appliance.log());
        StringBuilder audit = new StringBuilder();
        for (String action : List.of("TOKEN_IMPORT", "TOKEN_REPLACE", "USER_CREATE")) {
            Api.Reply r = api.get("/api/v1/audit?limit=1000&action=" + action);
            assertEquals(200, r.status(), r.body());
            audit.append(r.body());
        }
        assertTrue(audit.toString().contains("TOKEN_IMPORT"));
        List<String> secrets;
        synchronized (SECRETS) {
            secrets = List.copyOf(SECRETS);
        }
        assertTrue(secrets.size() > 20, "the tests above ran first");
        for (String secret : secrets) {
            assertFalse(log.contains(secret), "a secret is in " + appliance.log());
            assertFalse(audit.toString().contains(secret), "a secret is in the audit log");
        }
        assertNotNull(appliance);
    }
}
