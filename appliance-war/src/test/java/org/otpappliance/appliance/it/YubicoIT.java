package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * YubiKey OTP tokens: enrolled and validated over REST, and validated by Yubico clients over the
 * Yubico validation protocol 2.0 ({@code /wsapi/2.0/verify}). A {@link VirtualYubiKey} types the OTPs.
 */
@ExtendWith(SharedAppliance.class)
class YubicoIT {
    static Api api;
    static Wsapi wsapi;

    @BeforeAll
    static void connect(Appliance appliance) throws Exception {
        api = appliance.api();
        wsapi = new Wsapi(appliance);
    }

    /** A new user with {@code key} enrolled; returns the user's name. */
    static String enrolled(VirtualYubiKey key) {
        String user = api.newUser("yk");
        api.enroll(key.enrollment(user));
        return user;
    }

    static String serial(VirtualYubiKey key) {
        return "YK" + key.publicId();
    }

    @Nested
    class Rest {
        @Test
        void enrollmentAnswersSerialAndPublicIdAndNeverTheSecrets() {
            VirtualYubiKey key = VirtualYubiKey.random();
            String user = api.newUser("yk-enroll");
            Api.Reply created = api.post("/api/v1/tokens", key.enrollment(user));
            assertEquals(201, created.status(), created.body());
            JsonObject t = created.json();
            assertEquals(serial(key), t.getString("serial"));
            assertEquals("yubico", t.getString("type"));
            assertEquals(user, t.getString("user"));
            assertEquals(key.publicId(), t.getString("publicId"));

            Api.Reply read = api.get("/api/v1/tokens/" + serial(key));
            assertEquals(200, read.status(), read.body());
            assertEquals("yubico", read.json().getString("type"));
            assertEquals(key.publicId(), read.json().getString("publicId"));
            for (String reply : List.of(created.body(), read.body(), api.get("/api/v1/tokens?user=" + user).body())) {
                assertFalse(reply.contains("aesKey") || reply.contains("privateId"), reply);
                assertFalse(reply.contains(java.util.HexFormat.of().formatHex(key.aesKey())), "the AES key is never shown");
            }
        }

        @Test
        void aFreshOtpIsAcceptedOnceAndThenOnlyGreaterCounterPairs() {
            VirtualYubiKey key = VirtualYubiKey.random();
            String user = enrolled(key);
            String first = key.otp(5, 3);

            Api.Reply accepted = api.validateReply(user, first);
            assertEquals("ACCEPT", accepted.json().getString("result"), accepted.body());
            assertEquals(serial(key), accepted.json().getString("serial"));
            assertEquals("REJECT", api.validate(user, first), "an OTP is accepted once");
            assertEquals("REJECT", api.validate(user, key.otp(5, 3)), "a new OTP with the same counters is a replay");
            assertEquals("REJECT", api.validate(user, key.otp(5, 2)), "a lower session counter");
            assertEquals("REJECT", api.validate(user, key.otp(4, 200)), "a lower usage counter, whatever the session counter");

            assertEquals("ACCEPT", api.validate(user, key.otp(5, 4)), "the next press in the same session");
            assertEquals("ACCEPT", api.validate(user, key.otp(6, 0)), "the first press after the key was plugged in again");
            assertEquals("REJECT", api.validate(user, key.otp(5, 255)), "the pair is compared usage counter first");
            assertEquals("ACCEPT", api.validate(user, key.otp(9, 17)), "counters may jump ahead");
        }

        @Test
        void otpsThatAreNotThisKeysAreRejectedAndSpendNothing() {
            VirtualYubiKey key = VirtualYubiKey.random();
            String user = enrolled(key);
            assertEquals("REJECT", api.validate(user, key.withAesKey(VirtualYubiKey.bytes(16)).otp(7, 0)), "another AES key");
            assertEquals("REJECT", api.validate(user, key.withPrivateId(VirtualYubiKey.bytes(6)).otp(7, 0)), "a wrong private id");
            assertEquals("REJECT", api.validate(user, VirtualYubiKey.random().otp(7, 0)), "an unknown public id");
            assertEquals("REJECT", api.validate(user, "not an OTP at all"), "garbage");
            assertEquals("ACCEPT", api.validate(user, key.otp(7, 0)), "the rejected OTPs spent nothing");
        }

        @Test
        void aKeyValidatesOnlyForTheUserItIsEnrolledFor() {
            VirtualYubiKey alices = VirtualYubiKey.random();
            String alice = enrolled(alices);
            String bob = enrolled(VirtualYubiKey.random());
            String otp = alices.otp(1, 0);
            assertEquals("REJECT", api.validate(bob, otp), "alice's key is not bob's");
            assertEquals("ACCEPT", api.validate(alice, otp), "and bob's attempt spent nothing");
        }

        @ParameterizedTest(name = "{0}={1} -> {2}")
        @CsvSource(delimiter = '|', value = {
            "publicId  | c                                  | invalid-public-id",
            "publicId  | cbd                                | invalid-public-id",
            "publicId  | cbdefghijkla                       | invalid-public-id",
            "publicId  | cbdefghijklnrtuvcb                 | invalid-public-id",
            "privateId | 0123456789                         | invalid-private-id",
            "privateId | 0123456789abcd                     | invalid-private-id",
            "privateId | 0123456789zz                       | invalid-private-id",
            "aesKey    | 0123456789abcdef0123456789abcd     | invalid-aes-key",
            "aesKey    | 0123456789abcdef0123456789abcdef01 | invalid-aes-key",
            "aesKey    | 0123456789abcdef0123456789abcdeg   | invalid-aes-key",
        })
        void aBadEnrollmentIsRefusedAndEnrollsNothing(String field, String value, String type) {
            String user = api.newUser("yk-bad");
            JsonObject body = Json.createObjectBuilder(VirtualYubiKey.random().enrollment(user)).add(field, value).build();
            Api.Reply r = api.post("/api/v1/tokens", body);
            assertEquals(400, r.status(), r.body());
            assertEquals("application/problem+json", r.contentType());
            assertEquals("urn:otp-appliance:problem:" + type, r.problemType());
            assertEquals(0, api.get("/api/v1/tokens?user=" + user).jsonStructure().asJsonArray().size());
        }

        @Test
        void anUnknownUserIsNotFound() {
            Api.Reply r = api.post("/api/v1/tokens", VirtualYubiKey.random().enrollment("nobody-at-all"));
            assertEquals(404, r.status(), r.body());
            assertEquals("urn:otp-appliance:problem:user-not-found", r.problemType());
        }

        @Test
        void aPublicIdCanBeEnrolledOnlyOnce() {
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String other = api.newUser("yk-dup");
            Api.Reply r = api.post("/api/v1/tokens", VirtualYubiKey.random().withPublicId(key.publicId()).enrollment(other));
            assertEquals(409, r.status(), r.body());
            assertEquals("application/problem+json", r.contentType());
            assertEquals("urn:otp-appliance:problem:public-id-exists", r.problemType());
            assertEquals(0, api.get("/api/v1/tokens?user=" + other).jsonStructure().asJsonArray().size());
        }

        @Test
        void fiftyConcurrentValidationsOfOneOtpGiveExactlyOneAccept() throws Exception {
            VirtualYubiKey key = VirtualYubiKey.random();
            String user = enrolled(key);
            List<String> results = ConcurrencyIT.fire(api, user, key.otp(1, 0), ConcurrencyIT.CONCURRENT);
            assertEquals(1, results.stream().filter("ACCEPT"::equals).count(), results.toString());
            assertEquals(ConcurrencyIT.CONCURRENT - 1, results.stream().filter("REJECT"::equals).count(), results.toString());
            assertEquals("ACCEPT", api.validate(user, key.otp(1, 1)));
        }
    }

    @Nested
    class ValidationProtocol {
        Wsapi.Client newClient(boolean requireSignature) {
            return Wsapi.Client.of(api.newYubicoClient("yk-client", requireSignature));
        }

        /** Signed with the client's key, CR LF lines, h first, the request's otp and nonce echoed. */
        void assertProperAnswer(Wsapi.Answer a, Wsapi.Client client, String otp, String nonce) {
            assertEquals(200, a.httpStatus(), a.toString());
            assertTrue(a.contentType().startsWith("text/plain"), a.toString());
            assertTrue(a.crlfLines(), a.toString());
            assertTrue(a.body().startsWith("h="), a.toString());
            assertTrue(a.signedWith(client.key()), "the answer's h verifies: " + a);
            assertTrue(a.get("t") != null && !a.get("t").isEmpty(), "a t line: " + a);
            assertEquals(otp, a.get("otp"), a.toString());
            assertEquals(nonce, a.get("nonce"), a.toString());
        }

        @Test
        void aFreshOtpIsOkThenReplayedAndTheSameRequestAgainIsAReplayedRequest() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String otp = key.otp(1, 0);
            String nonce = Wsapi.nonce();

            Wsapi.Answer ok = wsapi.verify(client, otp, nonce);
            assertEquals("OK", ok.status(), ok.toString());
            assertProperAnswer(ok, client, otp, nonce);
            assertNull(ok.get("timestamp"), "counters only when asked for");
            assertNull(ok.get("sessioncounter"));
            assertNull(ok.get("sessionuse"));

            String nonce2 = Wsapi.nonce();
            Wsapi.Answer replayed = wsapi.verify(client, otp, nonce2);
            assertEquals("REPLAYED_OTP", replayed.status(), replayed.toString());
            assertProperAnswer(replayed, client, otp, nonce2);

            Wsapi.Answer again = wsapi.verify(client, otp, nonce);
            assertEquals("REPLAYED_REQUEST", again.status(), again.toString());
            assertTrue(again.signedWith(client.key()), again.toString());

            assertEquals("OK", wsapi.verify(client, key.otp(1, 1), Wsapi.nonce()).status());
        }

        @Test
        void timestampOneAddsTheTokensTimestampAndCounters() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String otp = key.otp(0x1234, 0x56, 0xabcdef);
            String nonce = Wsapi.nonce();
            Map<String, String> params = Wsapi.params(client, otp, nonce);
            params.put("timestamp", "1");
            Wsapi.Answer a = wsapi.get(Wsapi.signed(params, client.key()));
            assertEquals("OK", a.status(), a.toString());
            assertProperAnswer(a, client, otp, nonce);
            assertEquals(Integer.toString(0xabcdef), a.get("timestamp"), "the 8 Hz timestamp, in decimal");
            assertEquals(Integer.toString(0x1234), a.get("sessioncounter"), "the usage counter");
            assertEquals(Integer.toString(0x56), a.get("sessionuse"), "the session counter");
        }

        @Test
        void aWrongSignatureIsRefusedAndSpendsNothing() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String otp = key.otp(1, 0);
            Wsapi.Answer bad = wsapi.get(Wsapi.signed(Wsapi.params(client, otp, Wsapi.nonce()), VirtualYubiKey.bytes(20)));
            assertEquals("BAD_SIGNATURE", bad.status(), bad.toString());
            assertTrue(bad.signedWith(client.key()), bad.toString());
            assertEquals("OK", wsapi.verify(client, otp, Wsapi.nonce()).status());
        }

        @Test
        void signaturesAreOptionalUnlessTheClientRequiresThem() {
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);

            Wsapi.Client lenient = newClient(false);
            String otp1 = key.otp(1, 0);
            String nonce1 = Wsapi.nonce();
            Wsapi.Answer unsigned = wsapi.get(Wsapi.params(lenient, otp1, nonce1));
            assertEquals("OK", unsigned.status(), unsigned.toString());
            assertProperAnswer(unsigned, lenient, otp1, nonce1);

            Wsapi.Client strict = newClient(true);
            String otp2 = key.otp(1, 1);
            Wsapi.Answer refused = wsapi.get(Wsapi.params(strict, otp2, Wsapi.nonce()));
            assertNotEquals("OK", refused.status(), refused.toString());
            assertTrue(Set.of("BAD_SIGNATURE", "MISSING_PARAMETER").contains(refused.status()), refused.toString());
            assertEquals("OK", wsapi.verify(strict, otp2, Wsapi.nonce()).status(), "signed, it is fine; the refusal spent nothing");
        }

        @Test
        void missingParametersAreReportedAndSpendNothing() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String otp = key.otp(1, 0);
            for (String missing : List.of("otp", "nonce", "id")) {
                Map<String, String> params = Wsapi.params(client, otp, Wsapi.nonce());
                params.remove(missing);
                Wsapi.Answer a = wsapi.get(Wsapi.signed(params, client.key()));
                assertEquals(200, a.httpStatus(), a.toString());
                assertEquals("MISSING_PARAMETER", a.status(), "without " + missing + ": " + a);
                if (!missing.equals("id")) {
                    assertTrue(a.signedWith(client.key()), a.toString());
                }
            }
            assertEquals("OK", wsapi.verify(client, otp, Wsapi.nonce()).status());
        }

        @Test
        void otpsThatAreNotAnEnrolledKeysAreBadOtp() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            Map<String, String> otps = new LinkedHashMap<>();
            otps.put("garbage", "this-is-not-an-otp");
            otps.put("another AES key", key.withAesKey(VirtualYubiKey.bytes(16)).otp(1, 0));
            otps.put("a wrong private id", key.withPrivateId(VirtualYubiKey.bytes(6)).otp(1, 0));
            otps.put("an unknown public id", VirtualYubiKey.random().otp(1, 0));
            otps.forEach((what, otp) -> {
                Wsapi.Answer a = wsapi.verify(client, otp, Wsapi.nonce());
                assertEquals("BAD_OTP", a.status(), what + ": " + a);
                assertTrue(a.signedWith(client.key()), what + ": " + a);
            });
            assertEquals("OK", wsapi.verify(client, key.otp(1, 0), Wsapi.nonce()).status(), "nothing was spent");
        }

        @Test
        void unknownAndRevokedClientsAreNoSuchClient() {
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            Wsapi.Client unknown = new Wsapi.Client("none", 2_000_000_000L + VirtualYubiKey.RANDOM.nextInt(100_000_000), VirtualYubiKey.bytes(20));
            Wsapi.Answer a = wsapi.verify(unknown, key.otp(1, 0), Wsapi.nonce());
            assertEquals(200, a.httpStatus(), a.toString());
            assertEquals("NO_SUCH_CLIENT", a.status(), a.toString());

            Wsapi.Client client = newClient(false);
            assertEquals("OK", wsapi.verify(client, key.otp(1, 0), Wsapi.nonce()).status(), "the unknown client's request spent nothing");
            Api.Reply deleted = api.delete("/api/v1/clients/" + client.name());
            assertEquals(204, deleted.status(), deleted.body());
            Wsapi.Answer revoked = wsapi.verify(client, key.otp(1, 1), Wsapi.nonce());
            assertEquals("NO_SUCH_CLIENT", revoked.status(), revoked.toString());
        }

        @Test
        void aFormPostWithSlAndTimeoutIsAnsweredLikeAGet() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String otp = key.otp(1, 0);
            String nonce = Wsapi.nonce();
            Map<String, String> params = Wsapi.params(client, otp, nonce);
            params.put("sl", "50");
            params.put("timeout", "10");
            Wsapi.Answer a = wsapi.post(Wsapi.signed(params, client.key()));
            assertEquals("OK", a.status(), a.toString());
            assertProperAnswer(a, client, otp, nonce);
            assertEquals("REPLAYED_OTP", wsapi.post(Wsapi.signed(Wsapi.params(client, otp, Wsapi.nonce()), client.key())).status());
        }

        @Test
        void theKeysOwnerDoesNotMatterButTheReplayStateIsSharedWithRest() {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            String user = enrolled(key);
            String first = key.otp(1, 0);
            assertEquals("OK", wsapi.verify(client, first, Wsapi.nonce()).status(), "no user in the protocol");
            assertEquals("REJECT", api.validate(user, first), "spent on /wsapi, spent on REST");
            String second = key.otp(1, 1);
            assertEquals("ACCEPT", api.validate(user, second));
            assertEquals("REPLAYED_OTP", wsapi.verify(client, second, Wsapi.nonce()).status(), "spent on REST, spent on /wsapi");
        }

        @Test
        void fiftyConcurrentRequestsWithOneOtpGiveExactlyOneOk() throws Exception {
            Wsapi.Client client = newClient(false);
            VirtualYubiKey key = VirtualYubiKey.random();
            enrolled(key);
            String otp = key.otp(1, 0);
            int n = ConcurrencyIT.CONCURRENT;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        return wsapi.verify(client, otp, Wsapi.nonce()).status();
                    }));
                }
                start.countDown();
                List<String> statuses = new ArrayList<>();
                for (Future<String> f : futures) {
                    statuses.add(f.get());
                }
                assertEquals(1, statuses.stream().filter("OK"::equals).count(), statuses.toString());
                assertEquals(n - 1, statuses.stream().filter("REPLAYED_OTP"::equals).count(), statuses.toString());
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
