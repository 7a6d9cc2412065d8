package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An admin enrolls, the user's authenticator computes codes, a REST client validates them. */
@ExtendWith(SharedAppliance.class)
class EnrollAndValidateIT {
    static Api api;

    @BeforeAll
    static void connect(Appliance appliance) throws Exception {
        api = appliance.api();
    }

    static JsonObject enroll(String user, String type) {
        return api.enroll(Json.createObjectBuilder().add("user", user).add("type", type).build());
    }

    @Nested
    class Totp {
        @Test
        void aGeneratedTokenAcceptsTheCurrentCodeOnceAndItsQrCodeCarriesTheUri() throws Exception {
            String user = api.newUser("totp");
            JsonObject t = enroll(user, "totp");
            assertTrue(t.getString("serial").startsWith("TOTP"));
            assertEquals(30, t.getInt("period"));
            assertEquals(t.getString("otpauthUri"), decodeQr(t.getString("qrPng")));
            assertEquals(20, Codes.secret(t).length, "SHA1 seeds are 160 bits");

            String code = Codes.totp(t, 0);
            Api.Reply accepted = api.validateReply(user, code);
            assertEquals("ACCEPT", accepted.json().getString("result"));
            assertEquals(t.getString("serial"), accepted.json().getString("serial"));
            assertEquals("REJECT", api.validate(user, code), "a code is accepted once");
        }

        @Test
        void aGivenSecretWithSha256EightDigitsAndSixtySecondsIsHonoured() {
            String user = api.newUser("totp256");
            JsonObject t = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "totp")
                    .add("secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA").add("algorithm", "SHA256")
                    .add("digits", 8).add("period", 60).build());
            assertTrue(t.getString("otpauthUri").contains("algorithm=SHA256&digits=8&period=60"));
            assertEquals("ACCEPT", api.validate(user, Codes.totp(t, 0)));
        }

        @Test
        void aTokenWhoseClockRunsAheadIsResynchronisedAndItsDriftLearned() {
            String user = api.newUser("drift");
            JsonObject t = enroll(user, "totp");
            assertEquals("REJECT", api.validate(user, Codes.totp(t, 5)), "5 steps ahead is outside the ±1 window");
            Api.Reply resync = api.post("/api/v1/tokens/" + t.getString("serial") + "/resync",
                    Json.createObjectBuilder().add("code1", Codes.totp(t, 5)).add("code2", Codes.totp(t, 6)).build());
            assertEquals(200, resync.status(), resync.body());
            assertEquals("ACCEPT", api.validate(user, Codes.totp(t, 7)), "the learned drift centres the window");
            assertEquals("REJECT", api.validate(user, Codes.totp(t, 6)), "codes up to the resync are spent");
        }
    }

    @Nested
    class HotpTokens {
        @Test
        void codesWithinTheLookAheadWindowAreAcceptedAndEverythingBehindIsSpent() {
            String user = api.newUser("hotp");
            JsonObject t = enroll(user, "hotp");
            assertTrue(t.getString("otpauthUri").contains("counter=0"));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 0)));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 4)), "counter 4 is inside the look-ahead of 10");
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 2)), "counter 2 was skipped, so it is spent");
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 4)), "replay");
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 16)), "16 is beyond 5 + 10");
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 5)));
        }

        @Test
        void resynchronisationFromTwoConsecutiveCodesFarAhead() {
            String user = api.newUser("resync");
            JsonObject t = enroll(user, "hotp");
            String path = "/api/v1/tokens/" + t.getString("serial") + "/resync";
            Api.Reply notConsecutive = api.post(path,
                    Json.createObjectBuilder().add("code1", Codes.hotp(t, 50)).add("code2", Codes.hotp(t, 52)).build());
            assertEquals(409, notConsecutive.status());
            assertEquals("urn:otp-appliance:problem:resync-failed", notConsecutive.problemType());

            Api.Reply ok = api.post(path, Json.createObjectBuilder().add("code1", Codes.hotp(t, 50)).add("code2", Codes.hotp(t, 51)).build());
            assertEquals(200, ok.status(), ok.body());
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 51)));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 52)));
        }

        @Test
        void anInitialCounterIsHonoured() {
            String user = api.newUser("counter");
            JsonObject t = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp")
                    .add("secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").add("counter", 100).build());
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 99)));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 100)));
        }
    }

    @Nested
    class NoUserEnumeration {
        @Test
        void unknownUserUserWithoutTokensAndWrongCodeLookAlikeButTheAuditKnows() {
            String withToken = api.newUser("known");
            JsonObject t = enroll(withToken, "hotp");
            String wrong = Codes.hotp(t, 0).equals("000000") ? "111111" : "000000";
            String withoutToken = api.newUser("empty");
            String unknown = "nobody-" + System.nanoTime();

            Api.Reply a = api.validateReply(unknown, "123456");
            Api.Reply b = api.validateReply(withoutToken, "123456");
            Api.Reply c = api.validateReply(withToken, wrong);
            assertEquals(a.status(), b.status());
            assertEquals(a.body(), b.body());
            assertEquals(a.body(), c.body());

            assertEquals(a.body(), api.validateReply(withToken, "12a4x6").body());
            assertEquals("MALFORMED_CODE", lastValidation(withToken).getString("reason"));
            assertEquals("UNKNOWN_USER", lastValidation(unknown).getString("reason"));
            assertEquals("NO_TOKEN", lastValidation(withoutToken).getString("reason"));
            assertEquals("WRONG_CODE", api.get("/api/v1/audit?action=VALIDATE&limit=2&user=" + withToken).jsonStructure()
                    .asJsonArray().getJsonObject(1).getString("reason"));
        }
    }

    @Nested
    class Administration {
        @Test
        void tenFailuresLockTheTokenUntilAnAdminUnlocksIt() {
            String user = api.newUser("lock");
            JsonObject t = enroll(user, "hotp");
            String serial = t.getString("serial");
            String wrong = Codes.hotp(t, 0).equals("000000") ? "111111" : "000000";
            for (int i = 0; i < 10; i++) {
                assertEquals("REJECT", api.validate(user, wrong));
            }
            assertTrue(api.get("/api/v1/tokens/" + serial).json().getBoolean("locked"));
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 0)), "a locked token accepts nothing");
            assertEquals("LOCKED", lastValidation(user).getString("reason"));

            assertEquals(200, api.post("/api/v1/tokens/" + serial + "/unlock", "").status());
            assertFalse(api.get("/api/v1/tokens/" + serial).json().getBoolean("locked"));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 0)));
        }

        @Test
        void successResetsTheFailCounter() {
            String user = api.newUser("reset");
            JsonObject t = enroll(user, "hotp");
            String wrong = Codes.hotp(t, 0).equals("000000") ? "111111" : "000000";
            api.validate(user, wrong);
            api.validate(user, wrong);
            assertEquals(2, api.get("/api/v1/tokens/" + t.getString("serial")).json().getInt("failCount"));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 0)));
            assertEquals(0, api.get("/api/v1/tokens/" + t.getString("serial")).json().getInt("failCount"));
        }

        @Test
        void disabledTokensAcceptNothingAndDeletedTokensAreGone() {
            String user = api.newUser("disable");
            JsonObject t = enroll(user, "hotp");
            String serial = t.getString("serial");
            assertEquals(200, api.post("/api/v1/tokens/" + serial + "/disable", "").status());
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 0)));
            assertEquals(200, api.post("/api/v1/tokens/" + serial + "/enable", "").status());
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 0)));

            assertEquals(204, api.delete("/api/v1/tokens/" + serial).status());
            assertEquals(404, api.get("/api/v1/tokens/" + serial).status());
            assertEquals("REJECT", api.validate(user, Codes.hotp(t, 1)));
        }

        @Test
        void listingATokenNeverShowsItsSeed() {
            String user = api.newUser("list");
            JsonObject t = enroll(user, "totp");
            String secret = t.getString("otpauthUri").replaceAll(".*secret=([A-Z2-7]+).*", "$1");
            String listing = api.get("/api/v1/tokens?user=" + user).body();
            String single = api.get("/api/v1/tokens/" + t.getString("serial")).body();
            String userView = api.get("/api/v1/users/" + user).body();
            for (String body : new String[] {listing, single, userView}) {
                assertTrue(body.contains(t.getString("serial")));
                assertFalse(body.contains(secret));
                assertFalse(body.contains("otpauth"));
            }
        }

        @Test
        void aUserNameWithUriCharactersIsCreatedAndFoundAgain() {
            String name = "o'brien{x}|100%^" + System.nanoTime();
            Api.Reply created = api.post("/api/v1/users", Json.createObjectBuilder().add("username", name).build());
            assertEquals(201, created.status(), created.body());
            String encoded = java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
            assertEquals(name, api.get("/api/v1/users/" + encoded).json().getString("username"));
        }

        @Test
        void deletingAUserDeletesTheirTokens() {
            String user = api.newUser("gone");
            JsonObject t = enroll(user, "hotp");
            assertEquals(204, api.delete("/api/v1/users/" + user).status());
            assertEquals(404, api.get("/api/v1/users/" + user).status());
            assertEquals(404, api.get("/api/v1/tokens/" + t.getString("serial")).status());
        }

        @Test
        void aValidateKeyMayValidateButNotAdminister() {
            String key = api.post("/api/v1/clients", Json.createObjectBuilder().add("name", "vpn-" + System.nanoTime())
                    .add("role", "validate").build()).json().getString("apiKey");
            Api validator = api.withKey(key);
            String user = api.newUser("client");
            JsonObject t = enroll(user, "hotp");
            assertEquals("ACCEPT", validator.validate(user, Codes.hotp(t, 0)));
            Api.Reply refused = validator.get("/api/v1/tokens?user=" + user);
            assertEquals(403, refused.status());
            assertEquals("urn:otp-appliance:problem:forbidden", refused.problemType());
        }
    }

    static JsonObject lastValidation(String user) {
        return api.get("/api/v1/audit?action=VALIDATE&limit=1&user=" + user).jsonStructure().asJsonArray().getJsonObject(0);
    }

    static String decodeQr(String base64Png) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64Png)));
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        RGBLuminanceSource source = new RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels);
        // PURE_BARCODE: the image is the code itself, upright. Without it zxing's finder-pattern search
        // misses about 1 in 100 valid codes (measured over 1000 random URIs), which would make this test flaky.
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), Map.of(DecodeHintType.PURE_BARCODE, true)).getText();
    }
}
