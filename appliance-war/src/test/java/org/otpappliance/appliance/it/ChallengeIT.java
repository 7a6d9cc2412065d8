package org.otpappliance.appliance.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMS and e-mail codes end to end, with real servers on loopback: the JDK's HTTP server plays the
 * SMS gateway (it records every request and can answer 500, answer late, or be down) and GreenMail
 * is the SMTP server. The appliance is configured only through environment variables, as an
 * operator would; the tests read the delivered message, take the code out of it and complete the
 * challenge over REST, then walk every refusal.
 *
 * <p>Two appliances, started side by side: {@code main} with a JSON gateway request, the resend
 * cool-down off and small hourly limits (every test uses its own users and destinations, and stays
 * under them); {@code strict} with the gateway request at its defaults (a form-encoded POST), the
 * default cool-down, the shortest validity (10 s) and 8-digit codes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChallengeIT {
    static final String GATEWAY_USER = "gw-user";
    static final String GATEWAY_PASSWORD = "gw-pass-91c2e";
    static final String GATEWAY_API_KEY = "gw-key-7f3a0d";
    static final String SMTP_LOGIN = "otp-sender";
    static final String SMTP_PASSWORD = "smtp-pw-4e8b1";
    static final String FROM = "otp@example.com";
    static final String SUBJECT = "Your OTP Appliance login code";
    static final int MAIN_PER_USER = 3;
    static final int MAIN_PER_DESTINATION = 4;
    /** What every refusal says when there is nothing the user can act on (a wrong code, say). */
    static final String PLAIN_REJECT = "the code is not accepted";
    static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dataDirs;

    static FakeSmsGateway gateway;
    static Smtp smtp;
    static Appliance main;
    static Appliance strict;
    static Api api;
    static Api strictApi;
    /** Every code the servers received, to look for in the appliances' logs at the end. */
    static final Set<String> codesSeen = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        gateway = new FakeSmsGateway();
        smtp = new Smtp();
        Map<String, String> common = new HashMap<>();
        common.put("OTP_APPLIANCE_SMS_URL", "http://127.0.0.1:" + gateway.port + "/send");
        common.put("OTP_APPLIANCE_SMS_HEADERS", "X-Api-Key: " + GATEWAY_API_KEY + ",X-Client: otp-appliance-it");
        common.put("OTP_APPLIANCE_SMS_USERNAME", GATEWAY_USER);
        common.put("OTP_APPLIANCE_SMS_PASSWORD", GATEWAY_PASSWORD);
        common.put("OTP_APPLIANCE_SMS_TIMEOUT_SECONDS", "3");
        common.put("OTP_APPLIANCE_SMTP_HOST", "127.0.0.1");
        common.put("OTP_APPLIANCE_SMTP_PORT", String.valueOf(smtp.port));
        common.put("OTP_APPLIANCE_SMTP_SECURITY", "none");
        common.put("OTP_APPLIANCE_SMTP_FROM", FROM);
        common.put("OTP_APPLIANCE_SMTP_USERNAME", SMTP_LOGIN);
        common.put("OTP_APPLIANCE_SMTP_PASSWORD", SMTP_PASSWORD);
        common.put("OTP_APPLIANCE_SMTP_TIMEOUT_SECONDS", "3");
        common.put("OTP_APPLIANCE_EMAIL_SUBJECT", SUBJECT);
        common.put("OTP_APPLIANCE_EMAIL_TEMPLATE",
                "Hello,\n\nyour login code is {code}.\nIt is valid for {minutes} minutes ({seconds} seconds).\n");

        Map<String, String> mainEnv = new HashMap<>(common);
        mainEnv.put("OTP_APPLIANCE_SMS_METHOD", "POST");
        mainEnv.put("OTP_APPLIANCE_SMS_CONTENT_TYPE", "application/json");
        mainEnv.put("OTP_APPLIANCE_SMS_BODY", "{\"to\":\"{to}\",\"text\":\"{message}\"}");
        // The SMS text is left at its default here; the strict appliance has its own.
        mainEnv.put("OTP_APPLIANCE_CHALLENGE_RESEND_COOLDOWN_SECONDS", "0");
        mainEnv.put("OTP_APPLIANCE_CHALLENGE_SENDS_PER_USER_PER_HOUR", String.valueOf(MAIN_PER_USER));
        mainEnv.put("OTP_APPLIANCE_CHALLENGE_SENDS_PER_DESTINATION_PER_HOUR", String.valueOf(MAIN_PER_DESTINATION));

        Map<String, String> strictEnv = new HashMap<>(common);
        // The gateway's method, content type and body stay at their defaults: a form-encoded POST.
        strictEnv.put("OTP_APPLIANCE_SMS_TEMPLATE", "OTP {code}, valid {seconds} s");
        strictEnv.put("OTP_APPLIANCE_CHALLENGE_CODE_LENGTH", "8");
        strictEnv.put("OTP_APPLIANCE_CHALLENGE_VALIDITY_SECONDS", "10");
        // The resend cool-down stays at its default, 30 s.

        ExecutorService starter = Executors.newFixedThreadPool(2);
        try {
            Future<Appliance> m = starter.submit(() -> Appliance.start(dataDirs.resolve("main"), mainEnv));
            Future<Appliance> s = starter.submit(() -> Appliance.start(dataDirs.resolve("strict"), strictEnv));
            try {
                main = m.get();
            } finally {
                strict = s.get();
            }
        } finally {
            starter.shutdown();
        }
        api = main.api();
        strictApi = strict.api();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {main, strict, gateway, smtp}) {
            if (c != null) {
                c.close();
            }
        }
    }

    // The code by SMS, end to end.

    @Test
    void anSmsCodeReachesTheGatewayAsConfiguredAndCompletesTheChallengeOnce() {
        String user = api.newUser("sms");
        Api.Reply enrolled = api.post("/api/v1/tokens", Json.createObjectBuilder().add("user", user).add("type", "sms")
                .add("phone", "+41791234567").build());
        assertEquals(201, enrolled.status(), enrolled.body());
        JsonObject token = enrolled.json();
        String serial = token.getString("serial");
        assertTrue(serial.startsWith("SMS"), serial);
        assertEquals("sms", token.getString("type"));
        assertEquals(user, token.getString("user"));
        assertEquals("+41791234567", token.getString("destination"));
        assertFalse(token.containsKey("otpauthUri") || token.containsKey("qrPng"), token.toString());
        assertEquals("+41791234567", api.get("/api/v1/tokens/" + serial).json().getString("destination"), "admins see it");

        int before = gateway.requests.size();
        JsonObject challenge = challenge(api, user);
        assertEquals("a code was sent by SMS to +41*******67; enter it to log in", challenge.getString("message"));
        assertEquals(before + 1, gateway.requests.size(), "one request to the gateway");

        FakeSmsGateway.Request sent = gateway.requests.get(before);
        assertEquals("POST", sent.method());
        assertEquals("/send", sent.path());
        assertEquals(GATEWAY_API_KEY, sent.header("X-Api-Key"));
        assertEquals("otp-appliance-it", sent.header("X-Client"));
        assertEquals("Basic " + Base64.getEncoder().encodeToString((GATEWAY_USER + ":" + GATEWAY_PASSWORD).getBytes(UTF_8)),
                sent.header("Authorization"));
        assertTrue(sent.header("Content-Type").startsWith("application/json"), sent.header("Content-Type"));
        JsonObject body = sent.json();
        assertEquals(Set.of("to", "text"), body.keySet(), sent.body());
        assertEquals("+41791234567", body.getString("to"));
        String code = code(sent.text(), 6);
        assertEquals("Your code is " + code + ". It is valid for 2 minutes.", body.getString("text"), "the default SMS text");

        String transactionId = challenge.getString("transactionId");
        JsonObject accepted = answer(api, user, code, transactionId).json();
        assertEquals("ACCEPT", accepted.getString("result"), accepted.toString());
        assertEquals(serial, accepted.getString("serial"));

        assertPlainReject(answer(api, user, code, transactionId).json(), "a code is accepted once");

        List<String> lines = auditLines(api, user);
        assertTrue(lines.contains("CHALLENGE"), lines.toString());
        assertTrue(lines.contains("ACCEPT"), lines.toString());
        assertTrue(lines.contains("REPLAYED"), lines.toString());
        assertCodeNotInAudit(api, user, code);
    }

    @Test
    void anEmailCodeArrivesBySmtpWithTheConfiguredSenderSubjectAndText() throws Exception {
        String user = api.newUser("mail");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "email")
                .add("email", "alice@example.com").build());
        assertTrue(token.getString("serial").startsWith("EMAIL"), token.toString());
        assertEquals("email", token.getString("type"));
        assertEquals("alice@example.com", token.getString("destination"));

        JsonObject challenge = challenge(api, user);
        assertEquals("a code was sent by e-mail to a***@example.com; enter it to log in", challenge.getString("message"));

        MimeMessage mail = smtp.lastTo("alice@example.com");
        assertEquals(List.of(new InternetAddress(FROM)), List.of(mail.getFrom()));
        assertEquals(SUBJECT, mail.getSubject());
        String text = mail.getContent().toString().replace("\r\n", "\n");
        String code = code(text, 6);
        assertEquals("Hello,\n\nyour login code is " + code + ".\nIt is valid for 2 minutes (120 seconds).", text.strip());

        String transactionId = challenge.getString("transactionId");
        assertEquals("ACCEPT", answer(api, user, code, transactionId).json().getString("result"));
        assertEquals("REJECT", answer(api, user, code, transactionId).json().getString("result"));
        assertTrue(auditLines(api, user).contains("CHALLENGE"));
        assertCodeNotInAudit(api, user, code);
    }

    @Test
    void badDestinationsAreRefusedAtEnrollment() {
        String user = api.newUser("bad-destination");
        assertProblem(400, "invalid-phone", api.post("/api/v1/tokens", "{\"user\":\"" + user + "\",\"type\":\"sms\",\"phone\":\"0791234567\"}"));
        assertProblem(400, "invalid-phone", api.post("/api/v1/tokens", "{\"user\":\"" + user + "\",\"type\":\"sms\",\"phone\":\"+41 79 abc\"}"));
        assertProblem(400, "invalid-email", api.post("/api/v1/tokens", "{\"user\":\"" + user + "\",\"type\":\"email\",\"email\":\"alice@\"}"));
        assertProblem(400, "invalid-email", api.post("/api/v1/tokens", "{\"user\":\"" + user + "\",\"type\":\"email\",\"email\":\"a b@example.com\"}"));
        assertProblem(400, "missing-field", api.post("/api/v1/tokens", "{\"user\":\"" + user + "\",\"type\":\"sms\"}"));
        assertProblem(400, "missing-field", api.post("/api/v1/tokens", "{\"user\":\"" + user + "\",\"type\":\"email\"}"));
        assertEquals(0, api.get("/api/v1/tokens?user=" + user).jsonStructure().asJsonArray().size(), "nothing was enrolled");

        JsonObject spaced = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms")
                .add("phone", "+41 (79) 123-45.67").build());
        assertEquals("+41791234567", spaced.getString("destination"), "stored in E.164 form");
    }

    // Wrong answers.

    @Test
    void aWrongCodeIsAPlainRejectAndTheRightOneStillWorksAfterIt() {
        String phone = newPhone();
        String user = smsUser(api, phone);
        JsonObject challenge = challenge(api, user);
        String code = smsCode(phone, 6);

        assertPlainReject(answer(api, user, otherCode(code), challenge.getString("transactionId")).json(),
                "a wrong code tells nothing more");
        assertEquals("ACCEPT", answer(api, user, code, challenge.getString("transactionId")).json().getString("result"));
        assertTrue(auditReasons(api, user).contains("WRONG_CODE"));
    }

    @Test
    void afterMaxAttemptsWrongCodesEvenTheRightCodeIsRefused() {
        String phone = newPhone();
        String user = smsUser(api, phone);
        String transactionId = challenge(api, user).getString("transactionId");
        String code = smsCode(phone, 6);
        for (int i = 0; i < 5; i++) {
            assertPlainReject(answer(api, user, otherCode(code), transactionId).json(), "wrong code " + (i + 1));
        }
        JsonObject refused = answer(api, user, code, transactionId).json();
        assertEquals("REJECT", refused.getString("result"), "the right code, after 5 wrong ones");
        assertTrue(refused.getString("message").startsWith("too many wrong codes"), refused.toString());

        List<String> reasons = auditReasons(api, user);
        assertEquals(5, Collections.frequency(reasons, "WRONG_CODE"), reasons.toString());
        assertTrue(reasons.contains("TOO_MANY_ATTEMPTS"), reasons.toString());
        assertCodeNotInAudit(api, user, code);

        JsonObject fresh = challenge(api, user);
        assertEquals("ACCEPT", answer(api, user, smsCode(phone, 6), fresh.getString("transactionId")).json().getString("result"),
                "a new challenge starts with fresh attempts");
    }

    @Test
    void anUnknownTransactionIdOrAnotherUsersIsAPlainReject() {
        String alicePhone = newPhone();
        String alice = smsUser(api, alicePhone);
        String bob = smsUser(api, newPhone());
        String aliceTransaction = challenge(api, alice).getString("transactionId");
        String aliceCode = smsCode(alicePhone, 6);

        assertPlainReject(answer(api, alice, aliceCode, "AAAAAAAAAAAAAAAAAAAAAA").json(), "an unknown transaction id");
        assertPlainReject(answer(api, bob, aliceCode, aliceTransaction).json(),
                "bob cannot answer alice's challenge, even with her code");
        assertTrue(auditReasons(api, bob).contains("UNKNOWN_TRANSACTION"));
        assertTrue(auditReasons(api, alice).contains("UNKNOWN_TRANSACTION"));

        assertEquals("ACCEPT", answer(api, alice, aliceCode, aliceTransaction).json().getString("result"),
                "bob's try did not spend alice's challenge");
    }

    @Test
    void aCodeWithoutItsTransactionIdIsRejected() {
        String phone = newPhone();
        String user = smsUser(api, phone);
        String transactionId = challenge(api, user).getString("transactionId");
        String code = smsCode(phone, 6);

        assertPlainReject(api.validateReply(user, code).json(), "an SMS code only answers its challenge");
        assertEquals("ACCEPT", answer(api, user, code, transactionId).json().getString("result"));
    }

    // Send limits.

    @Test
    void theHourlyLimitPerUserRefusesFurtherCodes() {
        String phone = newPhone();
        String user = smsUser(api, phone);
        for (int i = 0; i < MAIN_PER_USER; i++) {
            challenge(api, user);
        }
        int before = gateway.requests.size();
        JsonObject refused = trigger(api, user).json();
        assertEquals("REJECT", refused.getString("result"), refused.toString());
        assertTrue(refused.getString("message").contains("hour"), refused.toString());
        assertEquals(before, gateway.requests.size(), "nothing was sent");
        assertTrue(auditReasons(api, user).contains("SEND_LIMIT"));
    }

    @Test
    void theHourlyLimitPerDestinationCountsEveryUserOfThatNumber() {
        String phone = newPhone();
        String first = smsUser(api, phone);
        String second = smsUser(api, phone);
        for (int i = 0; i < MAIN_PER_USER; i++) {
            challenge(api, first);
        }
        for (int i = MAIN_PER_USER; i < MAIN_PER_DESTINATION; i++) {
            challenge(api, second);
        }
        JsonObject refused = trigger(api, second).json();
        assertEquals("REJECT", refused.getString("result"), "the number has had its codes for the hour: " + refused);
        assertTrue(refused.getString("message").contains("hour"), refused.toString());
        assertTrue(auditReasons(api, second).contains("SEND_LIMIT"));
    }

    // Delivery failures.

    @Test
    void aGatewayAnswering500IsADeliveryFailureAndLeavesNoUsableCode() {
        String phone = newPhone();
        String user = smsUser(api, phone);
        gateway.status = 500;
        String failedCode;
        try {
            Api.Reply failed = trigger(api, user);
            assertDeliveryFailed(failed);
            failedCode = smsCode(phone, 6);
            assertFalse(containsNumber(failed.body(), failedCode), failed.body());
        } finally {
            gateway.status = 200;
        }
        assertPlainReject(api.validateReply(user, failedCode).json(), "the code of a failed delivery is good for nothing");
        assertTrue(auditReasons(api, user).contains("DELIVERY_FAILED"), auditReasons(api, user).toString());

        JsonObject recovered = challenge(api, user);
        assertEquals("ACCEPT", answer(api, user, smsCode(phone, 6), recovered.getString("transactionId")).json().getString("result"));
    }

    @Test
    void aGatewayThatIsDownIsADeliveryFailureAndTheNextTryWorksOnceItIsBack() throws Exception {
        String phone = newPhone();
        String user = smsUser(api, phone);
        int before = gateway.requests.size();
        gateway.stop();
        try {
            assertDeliveryFailed(trigger(api, user));
        } finally {
            gateway.restart();
        }
        assertEquals(before, gateway.requests.size());
        JsonObject challenge = challenge(api, user);
        assertEquals("ACCEPT", answer(api, user, smsCode(phone, 6), challenge.getString("transactionId")).json().getString("result"));
    }

    @Test
    void aGatewayThatDoesNotAnswerInTimeIsADeliveryFailure() {
        String phone = newPhone();
        String user = smsUser(api, phone);
        gateway.delaySeconds = 6; // the appliance waits 3 s
        try {
            assertDeliveryFailed(trigger(api, user));
        } finally {
            gateway.delaySeconds = 0;
        }
        JsonObject challenge = challenge(api, user);
        assertEquals("ACCEPT", answer(api, user, smsCode(phone, 6), challenge.getString("transactionId")).json().getString("result"));
    }

    @Test
    void anSmtpServerThatIsDownIsADeliveryFailureAndTheNextTryWorksOnceItIsBack() throws Exception {
        String address = "bob-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String user = api.newUser("mail-down");
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "email").add("email", address).build());
        smtp.stop();
        try {
            assertDeliveryFailed(trigger(api, user));
        } finally {
            smtp.restart();
        }
        JsonObject challenge = challenge(api, user);
        assertTrue(challenge.getString("message").contains("b***@example.com"), challenge.toString());
        String code = code(smtp.lastTo(address).getContent().toString(), 6);
        assertEquals("ACCEPT", answer(api, user, code, challenge.getString("transactionId")).json().getString("result"));
    }

    // The strict appliance: resend cool-down, expiry, code length.

    @Test
    void aSecondCodeTooSoonIsRefusedAndTheFirstStillWorks() {
        String phone = newPhone();
        String user = smsUser(strictApi, phone);
        JsonObject first = challenge(strictApi, user);
        String code = smsCode(phone, 8);
        FakeSmsGateway.Request sent = gateway.lastTo(phone);
        assertEquals("POST", sent.method());
        assertEquals("application/x-www-form-urlencoded", sent.header("Content-Type"));
        assertEquals("to=%2B" + phone.substring(1) + "&message=OTP+" + code + "%2C+valid+10+s", sent.body(),
                "the default body, form-encoded, with the configured SMS text");
        assertEquals("OTP " + code + ", valid 10 s", sent.text());

        int before = gateway.requests.size();
        JsonObject again = trigger(strictApi, user).json();
        assertEquals("REJECT", again.getString("result"), again.toString());
        assertTrue(again.getString("message").contains("wait"), again.toString());
        assertEquals(before, gateway.requests.size(), "nothing was sent");
        assertTrue(auditReasons(strictApi, user).contains("RESEND_TOO_EARLY"));

        assertEquals("ACCEPT", answer(strictApi, user, code, first.getString("transactionId")).json().getString("result"));
    }

    @Test
    void anExpiredCodeIsRefused() throws Exception {
        String phone = newPhone();
        String user = smsUser(strictApi, phone);
        JsonObject challenge = challenge(strictApi, user);
        String code = smsCode(phone, 8);
        Thread.sleep(11_000); // the validity is 10 s
        JsonObject expired = answer(strictApi, user, code, challenge.getString("transactionId")).json();
        assertEquals("REJECT", expired.getString("result"), expired.toString());
        assertTrue(expired.getString("message").contains("expired"), expired.toString());
        assertTrue(auditReasons(strictApi, user).contains("CHALLENGE_EXPIRED"));
        assertCodeNotInAudit(strictApi, user, code);
    }

    /** Last: the logs of both appliances, after everything above, hold no code and no delivery credential. */
    @Test
    @Order(Integer.MAX_VALUE)
    void noCodeAndNoCredentialReachesTheLogs() throws Exception {
        Thread.sleep(500); // let the log handlers write out
        for (Appliance a : List.of(main, strict)) {
            String log = Files.readString(a.log());
            for (String code : codesSeen) {
                assertFalse(containsNumber(log, code), "a code is in " + a.log());
            }
            for (String secret : List.of(GATEWAY_PASSWORD, GATEWAY_API_KEY, SMTP_PASSWORD,
                    Base64.getEncoder().encodeToString((GATEWAY_USER + ":" + GATEWAY_PASSWORD).getBytes(UTF_8)))) {
                assertFalse(log.contains(secret), "a delivery credential is in " + a.log());
            }
        }
    }

    // Helpers.

    /** +4179 and seven random digits: a destination of its own, so the hourly limits of one test do not touch another. */
    static String newPhone() {
        return "+4179" + String.format("%07d", RANDOM.nextInt(10_000_000));
    }

    static String smsUser(Api on, String phone) {
        String user = on.newUser("sms");
        JsonObject t = on.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).build());
        assertEquals(phone, t.getString("destination"));
        return user;
    }

    static Api.Reply trigger(Api on, String user) {
        return on.validateReply(user, "");
    }

    /** Asks for a code and expects it to be sent. */
    static JsonObject challenge(Api on, String user) {
        Api.Reply r = trigger(on, user);
        assertEquals(200, r.status(), r.body());
        JsonObject j = r.json();
        assertEquals("CHALLENGE", j.getString("result"), r.body());
        assertFalse(j.getString("transactionId").isEmpty());
        assertNotNull(j.getString("message"));
        return j;
    }

    static Api.Reply answer(Api on, String user, String code, String transactionId) {
        Api.Reply r = on.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", code)
                .add("transactionId", transactionId).build());
        assertEquals(200, r.status(), r.body());
        return r;
    }

    /** The code in the last SMS the gateway received for this number. */
    static String smsCode(String phone, int digits) {
        return code(gateway.lastTo(phone).text(), digits);
    }

    /** The one number of exactly {@code digits} digits in the text. */
    static String code(String text, int digits) {
        Matcher m = Pattern.compile("(?<![0-9])[0-9]{" + digits + "}(?![0-9])").matcher(text);
        assertTrue(m.find(), "no " + digits + "-digit code in: " + text);
        String code = m.group();
        assertFalse(m.find(), "more than one " + digits + "-digit number in: " + text);
        codesSeen.add(code);
        return code;
    }

    /** A code of the same length that is not {@code code}. */
    static String otherCode(String code) {
        char last = code.charAt(code.length() - 1);
        return code.substring(0, code.length() - 1) + (char) ('0' + (last - '0' + 1) % 10);
    }

    /** Whether the text holds the number on its own, not as part of a longer one (a timestamp, say). */
    static boolean containsNumber(String text, String number) {
        return Pattern.compile("(?<![0-9])" + number + "(?![0-9])").matcher(text).find();
    }

    static JsonArray audit(Api on, String user) {
        Api.Reply r = on.get("/api/v1/audit?action=VALIDATE&limit=1000&user=" + user);
        assertEquals(200, r.status(), r.body());
        return r.jsonStructure().asJsonArray();
    }

    /** The reasons of the user's validation lines, oldest first. */
    static List<String> auditReasons(Api on, String user) {
        List<String> reasons = new ArrayList<>();
        for (JsonValue v : audit(on, user)) {
            JsonObject line = v.asJsonObject();
            if (line.containsKey("reason") && line.get("reason").getValueType() == JsonValue.ValueType.STRING) {
                reasons.add(0, line.getString("reason"));
            }
        }
        return reasons;
    }

    /** Each validation line's reason, or its result when it has none (ACCEPT, CHALLENGE). */
    static List<String> auditLines(Api on, String user) {
        List<String> lines = new ArrayList<>();
        for (JsonValue v : audit(on, user)) {
            JsonObject line = v.asJsonObject();
            lines.add(line.containsKey("reason") && line.get("reason").getValueType() == JsonValue.ValueType.STRING
                    ? line.getString("reason") : line.getString("result"));
        }
        return lines;
    }

    static void assertCodeNotInAudit(Api on, String user, String code) {
        String all = on.get("/api/v1/audit?limit=1000&user=" + user).body();
        assertFalse(containsNumber(all, code), "the code is in the audit log: " + all);
    }

    /** The generic refusal, the same as for any wrong code: it gives nothing away. */
    static void assertPlainReject(JsonObject answer, String what) {
        assertEquals(Json.createObjectBuilder().add("result", "REJECT").add("message", PLAIN_REJECT).build(), answer, what);
    }

    static void assertDeliveryFailed(Api.Reply r) {
        assertEquals(502, r.status(), r.body());
        assertEquals("application/problem+json", r.contentType());
        assertEquals("urn:otp-appliance:problem:delivery-failed", r.problemType());
        assertFalse(r.body().contains("transactionId"), r.body());
    }

    static void assertProblem(int status, String type, Api.Reply r) {
        assertEquals(status, r.status(), r.body());
        assertEquals("application/problem+json", r.contentType());
        assertEquals("urn:otp-appliance:problem:" + type, r.problemType());
    }

    /**
     * The SMS gateway: the JDK's HTTP server on a free loopback port. It records every request and
     * answers {@link #status} after {@link #delaySeconds}; {@link #stop} and {@link #restart} take it
     * off the network and bring it back on the same port.
     */
    static final class FakeSmsGateway implements AutoCloseable {
        record Request(String method, String path, Map<String, List<String>> headers, String body) {
            String header(String name) {
                List<String> values = headers.get(name);
                return values == null || values.isEmpty() ? null : values.get(0);
            }

            JsonObject json() {
                return Json.createReader(new StringReader(body)).readObject();
            }

            /** The body's fields: a JSON object's string members, or a form's decoded fields. */
            Map<String, String> fields() {
                Map<String, String> fields = new HashMap<>();
                if (body.startsWith("{")) {
                    json().forEach((k, v) -> fields.put(k, v.getValueType() == JsonValue.ValueType.STRING
                            ? ((jakarta.json.JsonString) v).getString() : v.toString()));
                } else {
                    for (String pair : body.split("&")) {
                        String[] kv = pair.split("=", 2);
                        fields.put(URLDecoder.decode(kv[0], UTF_8), kv.length < 2 ? "" : URLDecoder.decode(kv[1], UTF_8));
                    }
                }
                return fields;
            }

            String to() {
                return fields().get("to");
            }

            /** The SMS text: "text" in the JSON body the main appliance sends, "message" in the default form body. */
            String text() {
                Map<String, String> f = fields();
                return f.containsKey("text") ? f.get("text") : f.get("message");
            }
        }

        final List<Request> requests = new CopyOnWriteArrayList<>();
        final int port;
        volatile int status = 200;
        volatile int delaySeconds;
        private final ExecutorService handlers = Executors.newCachedThreadPool();
        private HttpServer server;

        FakeSmsGateway() throws IOException {
            server = bind(0);
            port = server.getAddress().getPort();
        }

        private HttpServer bind(int onPort) throws IOException {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
            s.createContext("/", this::handle);
            s.setExecutor(handlers);
            s.start();
            return s;
        }

        private void handle(HttpExchange x) throws IOException {
            byte[] body = x.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(x.getRequestHeaders());
            requests.add(new Request(x.getRequestMethod(), x.getRequestURI().getRawPath(), headers, new String(body, UTF_8)));
            try {
                Thread.sleep(delaySeconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int answer = status;
            byte[] reply = (answer == 200 ? "{\"status\":\"queued\"}" : "{\"error\":\"internal error\"}").getBytes(UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            try (OutputStream out = x.getResponseBody()) {
                x.sendResponseHeaders(answer, reply.length);
                out.write(reply);
            } catch (IOException clientGone) {
                // the appliance stopped waiting
            }
        }

        /** The last request sent for this number. */
        Request lastTo(String phone) {
            for (int i = requests.size() - 1; i >= 0; i--) {
                Request r = requests.get(i);
                if (phone.equals(r.to())) {
                    return r;
                }
            }
            throw new AssertionError("the gateway received nothing for " + phone + "; it received " + requests);
        }

        void stop() {
            server.stop(0);
        }

        void restart() throws Exception {
            for (int tries = 0; ; tries++) {
                try {
                    server = bind(port);
                    return;
                } catch (BindException e) {
                    if (tries == 50) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    /** GreenMail, plain SMTP with a login, on a free loopback port that survives a stop and restart. */
    static final class Smtp implements AutoCloseable {
        final int port;
        private GreenMail greenMail;

        Smtp() {
            greenMail = started(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
            port = greenMail.getSmtp().getPort();
        }

        private static GreenMail started(ServerSetup setup) {
            GreenMail g = new GreenMail(setup);
            g.start();
            g.setUser(FROM, SMTP_LOGIN, SMTP_PASSWORD);
            return g;
        }

        /** The last message received for this address. */
        MimeMessage lastTo(String address) throws Exception {
            MimeMessage[] all = greenMail.getReceivedMessages();
            for (int i = all.length - 1; i >= 0; i--) {
                for (var to : all[i].getRecipients(Message.RecipientType.TO)) {
                    if (((InternetAddress) to).getAddress().equalsIgnoreCase(address)) {
                        return all[i];
                    }
                }
            }
            throw new AssertionError("no message for " + address + " among " + all.length);
        }

        void stop() {
            greenMail.stop();
        }

        void restart() {
            greenMail = started(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        }

        @Override
        public void close() {
            greenMail.stop();
        }
    }
}
