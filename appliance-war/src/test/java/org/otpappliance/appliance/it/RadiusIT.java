package org.otpappliance.appliance.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.otpappliance.radius.codec.AttributeType;
import org.otpappliance.radius.codec.MalformedPacketException;
import org.otpappliance.radius.codec.PacketCode;
import org.otpappliance.radius.codec.RadiusAttribute;
import org.otpappliance.radius.codec.RadiusCrypto;
import org.otpappliance.radius.codec.RadiusPacket;

/**
 * The appliance's RADIUS server against the stock clients: Debian's {@code radclient} and
 * {@code radtest} (freeradius-utils 3.2), run as processes exactly as an operator would run them.
 * radclient verifies the Response Authenticator and the Message-Authenticator of every reply it
 * reports as "Received ..." ("Reply verification failed" otherwise), so each answer below is also a
 * proof of the server's packet signing. Where radclient cannot do what a test needs (send the same
 * datagram twice, send an empty User-Password — radclient leaves a zero-length attribute out), a
 * small Java NAS built on the adapter's public codec helpers does it.
 *
 * <p>One appliance ({@link RadiusRig}), RADIUS on 127.0.0.1. Most tests use the RADIUS client on
 * 127.0.0.1 (Message-Authenticator required, the default); the others add clients on loopback
 * addresses of their own and send from them with radclient's {@code Packet-Src-IP-Address}.
 * Needs radclient and radtest; skipped when they are missing, failed when CI is set.
 */
@ExtendWith(RadiusRig.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RadiusIT {
    static final SecureRandom RANDOM = new SecureRandom();
    static final String MA = "Message-Authenticator = 0x00";
    static final String PIN_CHALLENGE = "enter the code from your token";

    static Path radclient;
    static Path radtest;
    static RadiusRig.Rig rig;
    static Api api;
    /** The RADIUS client on 127.0.0.1 that most tests send as. */
    static String nasName;
    static String nasSecret;
    /** Every secret, PIN and code handed to the appliance, to look for in its log at the end. */
    static final Set<String> secrets = ConcurrentHashMap.newKeySet();
    static final Set<String> pins = ConcurrentHashMap.newKeySet();
    static final Set<String> codes = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void prerequisites() {
        radclient = Prerequisites.onPath("radclient").orElse(null);
        radtest = Prerequisites.onPath("radtest").orElse(null);
        Prerequisites.require("RadiusIT", radclient == null || radtest == null
                ? List.of("radclient and radtest on the PATH (Debian package freeradius-utils)") : List.of(), "apt-get install freeradius-utils");
    }

    @BeforeEach
    void connect(RadiusRig.Rig theRig) throws IOException {
        if (rig == null) {
            rig = theRig;
            api = rig.appliance().api();
            nasSecret = newSecret();
            nasName = api.newRadiusClient("radius-it", "127.0.0.1", nasSecret, null).getString("name");
        }
    }

    // Accept, reject, replay.

    @Test
    void aFreshHotpCodeIsAcceptedOnceAndTheSameCodeAgainIsAReplay() throws Exception {
        String user = api.newUser("radius-hotp");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String code = code(Codes.hotp(token, 0));

        Radclient accepted = radclient(nasSecret, request(user, code, "Proxy-State = 0x01020304", MA));
        accepted.assertReceived("Access-Accept");
        assertEquals(0, accepted.exitCode(), accepted.output());
        assertTrue(accepted.reply().contains("Message-Authenticator = 0x"), "every answer carries one: " + accepted.output());
        assertTrue(accepted.reply().contains("Proxy-State = 0x01020304"), "Proxy-State is echoed: " + accepted.output());

        Radclient replayed = radclient(nasSecret, request(user, code, MA));
        replayed.assertReceived("Access-Reject");
        assertNotEquals(0, replayed.exitCode(), replayed.output());

        List<JsonObject> lines = validations(user);
        assertEquals(List.of("REJECT", "ACCEPT"), lines.stream().map(l -> l.getString("result")).toList(), lines.toString());
        assertEquals("REPLAYED", lines.get(0).getString("reason"));
        for (JsonObject line : lines) {
            assertEquals("RADIUS", line.getString("entryPoint"), line.toString());
            assertEquals("radius:" + nasName, line.getString("actor"), line.toString());
            assertEquals("127.0.0.1", line.getString("source"), line.toString());
            assertEquals(token.getString("serial"), line.getString("serial"), line.toString());
        }
    }

    @Test
    void aWrongTotpCodeIsRejectedAndAFreshOneAccepted() throws Exception {
        String user = api.newUser("radius-totp");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "totp").build());
        String fresh = code(Codes.totp(token, 0));

        Radclient wrong = radclient(nasSecret, request(user, ChallengeIT.otherCode(fresh), "NAS-Identifier = \"vpn-gw-1\"", MA));
        wrong.assertReceived("Access-Reject");
        Radclient accepted = radclient(nasSecret, request(user, fresh, "NAS-Identifier = \"vpn-gw-1\"", MA));
        accepted.assertReceived("Access-Accept");

        List<JsonObject> lines = validations(user);
        assertEquals("ACCEPT", lines.get(0).getString("result"), lines.toString());
        assertEquals("WRONG_CODE", lines.get(1).getString("reason"), lines.toString());
        assertEquals("radius:" + nasName + " (vpn-gw-1)", lines.get(0).getString("actor"), "the NAS-Identifier is in the audit");
    }

    // PINs.

    @Test
    void thePinAndTheCodeInOneFieldAreAcceptedAlsoThroughRadtest() throws Exception {
        String user = api.newUser("radius-pin");
        String pin = newPin();
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").add("pin", pin).build());

        radclient(nasSecret, request(user, code(Codes.hotp(token, 0)), MA)).assertReceived("Access-Reject");
        assertEquals("WRONG_PIN", validations(user).get(0).getString("reason"), "the code without the PIN");
        radclient(nasSecret, request(user, pin + Codes.hotp(token, 0), MA)).assertReceived("Access-Accept");

        Radclient viaRadtest = radtest(user, pin + code(Codes.hotp(token, 1)));
        viaRadtest.assertReceived("Access-Accept");
        assertEquals(0, viaRadtest.exitCode(), viaRadtest.output());
        radtest(user, pin + Codes.hotp(token, 1)).assertReceived("Access-Reject");
        assertEquals("REPLAYED", validations(user).get(0).getString("reason"));
    }

    @Test
    void thePinAloneIsChallengedAndTheCodeWithTheStateCompletesTheLoginOnce() throws Exception {
        String user = api.newUser("radius-pin-first");
        String pin = newPin();
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").add("pin", pin).build());

        Radclient challenge = radclient(nasSecret, request(user, pin, MA));
        challenge.assertReceived("Access-Challenge");
        assertEquals(Optional.of(PIN_CHALLENGE), challenge.replyMessage(), challenge.output());
        String state = challenge.state().orElseThrow(() -> new AssertionError("no State: " + challenge.output()));

        Radclient answer = radclient(nasSecret, request(user, code(Codes.hotp(token, 0)), "State = " + state, MA));
        answer.assertReceived("Access-Accept");
        assertEquals(0, answer.exitCode(), answer.output());

        radclient(nasSecret, request(user, code(Codes.hotp(token, 1)), "State = " + state, MA)).assertReceived("Access-Reject");
        List<String> results = validations(user).stream().map(l -> l.getString("result")).toList();
        assertEquals(List.of("REJECT", "ACCEPT", "CHALLENGE"), results, "the transaction answers once");
    }

    @Test
    void aStateAnswersOnlyFromTheClientItWasIssuedTo() throws Exception {
        String otherSecret = newSecret();
        api.newRadiusClient("radius-it-other", "127.0.0.3", otherSecret, null);
        String user = api.newUser("radius-state");
        String pin = newPin();
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").add("pin", pin).build());

        Radclient challenge = radclient(nasSecret, request(user, pin, MA));
        String state = challenge.state().orElseThrow(() -> new AssertionError("no State: " + challenge.output()));
        String code = code(Codes.hotp(token, 0));

        Radclient elsewhere = radclient(otherSecret, request(user, code, "State = " + state, "Packet-Src-IP-Address = 127.0.0.3", MA));
        elsewhere.assertReceived("Access-Reject");
        radclient(nasSecret, request(user, code, "State = " + state, MA)).assertReceived("Access-Accept");
    }

    // SMS codes.

    @Test
    void anSmsTokensPinAloneSendsTheCodeWhichAnswersTheChallenge() throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = api.newUser("radius-sms-pin");
        String pin = newPin();
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).add("pin", pin).build());

        int before = rig.gateway().requests.size();
        Radclient challenge = radclient(nasSecret, request(user, pin, MA));
        challenge.assertReceived("Access-Challenge");
        assertEquals(Optional.of("a code was sent by SMS to " + masked(phone) + "; enter it to log in"), challenge.replyMessage(),
                challenge.output());
        assertEquals(before + 1, rig.gateway().requests.size(), "one SMS");
        String state = challenge.state().orElseThrow(() -> new AssertionError("no State: " + challenge.output()));
        String sms = smsCode(phone);

        radclient(nasSecret, request(user, sms, "State = " + state, MA)).assertReceived("Access-Accept");
        radclient(nasSecret, request(user, sms, "State = " + state, MA)).assertReceived("Access-Reject");
    }

    /**
     * An empty User-Password asks for the code. radclient cannot send one (it leaves a zero-length
     * User-Password out of the packet), so the Java NAS sends it as a NAS with an empty password field
     * does: one block of hidden NULs (RFC 2865 §5.2); radclient then sends the answer with the State.
     */
    @Test
    void anEmptyPasswordSendsTheSmsCodeWhichAnswersTheChallenge() throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = api.newUser("radius-sms");
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).build());

        JsonObject challengeAudit;
        byte[] state;
        try (JavaNas nas = new JavaNas(rig.radiusPort(), nasSecret)) {
            JavaNas.Sent sent = nas.accessRequest(user, "", null);
            RadiusPacket reply = nas.exchange(sent);
            assertEquals(PacketCode.ACCESS_CHALLENGE, reply.code(), reply.toString());
            assertEquals("a code was sent by SMS to " + masked(phone) + "; enter it to log in",
                    reply.attribute(AttributeType.REPLY_MESSAGE).orElseThrow().text());
            state = reply.attribute(AttributeType.STATE).orElseThrow().value();
            challengeAudit = validations(user).get(0);
        }
        assertEquals("CHALLENGE", challengeAudit.getString("result"), challengeAudit.toString());
        assertEquals("RADIUS", challengeAudit.getString("entryPoint"));

        String sms = smsCode(phone);
        radclient(nasSecret, request(user, sms, "State = 0x" + HexFormat.of().formatHex(state), MA)).assertReceived("Access-Accept");
    }

    /**
     * radclient retransmits when its timeout passes: here the SMS gateway takes 3 s and radclient
     * waits 1 s. Retransmissions that arrive while the request is in progress are dropped, the next
     * one is answered from the duplicate cache: one SMS, one challenge, one answer for radclient.
     */
    @Test
    void radclientRetransmissionsDuringASlowSmsDeliverySendOneSms() throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = api.newUser("radius-sms-slow");
        String pin = newPin();
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).add("pin", pin).build());

        rig.gateway().delaySeconds = 3;
        Radclient challenge;
        try {
            challenge = radclient(nasSecret, 8, 1, request(user, pin, MA));
        } finally {
            rig.gateway().delaySeconds = 0;
        }
        challenge.assertReceived("Access-Challenge");
        assertTrue(challenge.count("Sent Access-Request Id") >= 2, "radclient retransmitted: " + challenge.output());
        assertEquals(1, challenge.count("Received Access-Challenge Id"), challenge.output());
        assertEquals(1, rig.gateway().requests.stream().filter(r -> phone.equals(r.to())).count(), "one SMS for all the tries");
        assertEquals(List.of("CHALLENGE"), validations(user).stream().map(l -> l.getString("result")).toList());
        String state = challenge.state().orElseThrow(() -> new AssertionError("no State: " + challenge.output()));
        radclient(nasSecret, request(user, smsCode(phone), "State = " + state, MA)).assertReceived("Access-Accept");
    }

    /** No code sent, no answer: the NAS retries or fails over to another node, as for any outage. */
    @Test
    void anSmsThatCannotBeSentGetsNoAnswerAndTheNextTryWorks() throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = api.newUser("radius-sms-down");
        String pin = newPin();
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).add("pin", pin).build());

        rig.gateway().status = 500;
        try {
            assertDropped(nasSecret, request(user, pin, MA));
        } finally {
            rig.gateway().status = 200;
        }
        assertEquals("DELIVERY_FAILED", validations(user).get(0).getString("reason"), validations(user).toString());

        Radclient challenge = radclient(nasSecret, request(user, pin, MA));
        challenge.assertReceived("Access-Challenge");
        String state = challenge.state().orElseThrow(() -> new AssertionError("no State: " + challenge.output()));
        radclient(nasSecret, request(user, smsCode(phone), "State = " + state, MA)).assertReceived("Access-Accept");
    }

    // Dropped, never answered.

    /** The appliance's count of datagrams that ended so: {@code radius_datagrams{outcome=...}} on /metrics. */
    double dropped(String outcome) {
        String metrics = api.get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^radius_datagrams\\{[^}]*outcome=\"" + outcome + "\"[^}]*} (\\S+)")
                .matcher(metrics);
        assertTrue(m.find(), "no radius_datagrams{outcome=\"" + outcome + "\"} on /metrics");
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aRequestWithoutMessageAuthenticatorIsDroppedAndSpendsNothing() throws Exception {
        String user = api.newUser("radius-no-ma");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String code = code(Codes.hotp(token, 0));

        double before = dropped("missing_message_authenticator");
        assertDropped(nasSecret, request(user, code));
        assertEquals(List.of(), validations(user), "not even asked");
        assertTrue(dropped("missing_message_authenticator") >= before + 1, "the drop is counted on /metrics");
        radclient(nasSecret, request(user, code, MA)).assertReceived("Access-Accept");
    }

    @Test
    void aWrongSharedSecretIsDroppedAndSpendsNothing() throws Exception {
        String user = api.newUser("radius-wrong-secret");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String code = code(Codes.hotp(token, 0));

        double before = dropped("bad_message_authenticator");
        assertDropped("not-" + nasSecret, request(user, code, MA));
        assertEquals(List.of(), validations(user));
        assertTrue(dropped("bad_message_authenticator") >= before + 1, "the drop is counted on /metrics");
        radclient(nasSecret, request(user, code, MA)).assertReceived("Access-Accept");
    }

    @Test
    void aSourceWithoutItsOwnRadiusClientIsDroppedUntilOneIsAddedAndAgainOnceItIsDeleted() throws Exception {
        String user = api.newUser("radius-unknown");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String elsewhereSecret = newSecret();
        api.newRadiusClient("radius-it-elsewhere", "192.0.2.1", elsewhereSecret, null);

        assertDropped(elsewhereSecret, request(user, code(Codes.hotp(token, 0)), "Packet-Src-IP-Address = 127.0.0.4", MA));
        assertDropped(nasSecret, request(user, Codes.hotp(token, 0), "Packet-Src-IP-Address = 127.0.0.4", MA));
        assertEquals(List.of(), validations(user), "not even asked");

        String secret = newSecret();
        JsonObject added = api.newRadiusClient("radius-it-added", "127.0.0.4", secret, null);
        assertEquals("127.0.0.4/32", added.getString("address"));
        assertTrue(added.getBoolean("requireMessageAuthenticator"), "required by default: " + added);
        String listed = api.get("/api/v1/radius/clients").body();
        assertTrue(listed.contains(added.getString("name")), listed);
        assertFalse(listed.contains(secret) || listed.contains(nasSecret) || listed.contains("secret"), "no secret is listed: " + listed);

        radclient(secret, request(user, Codes.hotp(token, 0), "Packet-Src-IP-Address = 127.0.0.4", MA)).assertReceived("Access-Accept");
        assertEquals("radius:" + added.getString("name"), validations(user).get(0).getString("actor"));

        assertEquals(204, api.delete("/api/v1/radius/clients/" + added.getString("name")).status());
        assertEquals(404, api.delete("/api/v1/radius/clients/" + added.getString("name")).status());
        assertDropped(secret, request(user, code(Codes.hotp(token, 1)), "Packet-Src-IP-Address = 127.0.0.4", MA));
        assertEquals(1, validations(user).size(), "the deleted client's request was not asked about");
    }

    @Test
    void aClientForACidrBlockAnswersEveryAddressInIt() throws Exception {
        String secret = newSecret();
        api.newRadiusClient("radius-it-block", "127.0.1.0/24", secret, null);
        String user = api.newUser("radius-cidr");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        radclient(secret, request(user, code(Codes.hotp(token, 0)), "Packet-Src-IP-Address = 127.0.1.77", MA)).assertReceived("Access-Accept");
        assertDropped(secret, request(user, code(Codes.hotp(token, 1)), "Packet-Src-IP-Address = 127.0.2.77", MA));
    }

    @Test
    void aClientThatDoesNotRequireMessageAuthenticatorIsAnsweredWithoutOneButNotWithAWrongOne() throws Exception {
        String secret = newSecret();
        JsonObject relaxed = api.newRadiusClient("radius-it-legacy", "127.0.0.7", secret, false);
        assertFalse(relaxed.getBoolean("requireMessageAuthenticator"), relaxed.toString());
        String user = api.newUser("radius-legacy");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());

        Radclient accepted = radclient(secret, request(user, code(Codes.hotp(token, 0)), "Packet-Src-IP-Address = 127.0.0.7"));
        accepted.assertReceived("Access-Accept");
        assertFalse(accepted.sent().contains("Message-Authenticator"), "none sent: " + accepted.output());
        assertTrue(accepted.reply().contains("Message-Authenticator = 0x"), "the answer has one all the same: " + accepted.output());

        assertDropped("not-" + secret, request(user, code(Codes.hotp(token, 1)), "Packet-Src-IP-Address = 127.0.0.7", MA));
        radclient(secret, request(user, Codes.hotp(token, 1), "Packet-Src-IP-Address = 127.0.0.7", MA)).assertReceived("Access-Accept");
    }

    // Retransmissions (RFC 5080): the same datagram again.

    @Test
    void aRetransmissionIsAnsweredFromTheCacheAndSpendsTheCodeOnce() throws Exception {
        String user = api.newUser("radius-retransmit");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        try (JavaNas nas = new JavaNas(rig.radiusPort(), nasSecret)) {
            JavaNas.Sent first = nas.accessRequest(user, code(Codes.hotp(token, 0)), null);
            nas.send(first.datagram());
            byte[] answer = nas.receive(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("no answer"));
            nas.send(first.datagram());
            byte[] again = nas.receive(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("no answer to the retransmission"));
            assertArrayEquals(answer, again, "the same answer, byte for byte");
            assertTrue(RadiusCrypto.verifyResponse(answer, first.authenticator(), nasSecret.getBytes(UTF_8), true));
            assertEquals(PacketCode.ACCESS_ACCEPT, RadiusPacket.decode(answer).code());
            assertEquals(List.of("ACCEPT"), validations(user).stream().map(l -> l.getString("result")).toList(),
                    "the code is spent once");

            // The same code in a new request (new authenticator) is no retransmission: a replay.
            JavaNas.Sent replay = nas.accessRequest(user, Codes.hotp(token, 0), null);
            assertEquals(PacketCode.ACCESS_REJECT, nas.exchange(replay).code());

            // Two copies back to back: the second arrives while the first is in progress (dropped)
            // or after it (answered from the cache); either way one decision.
            JavaNas.Sent twice = nas.accessRequest(user, code(Codes.hotp(token, 1)), null);
            nas.send(twice.datagram());
            nas.send(twice.datagram());
            List<byte[]> answers = new ArrayList<>();
            for (Optional<byte[]> a = nas.receive(Duration.ofSeconds(5)); a.isPresent(); a = nas.receive(Duration.ofSeconds(2))) {
                answers.add(a.get());
            }
            assertFalse(answers.isEmpty(), "no answer to two copies");
            for (byte[] a : answers) {
                assertArrayEquals(answers.get(0), a, "one answer, sent " + answers.size() + " times");
            }
            assertEquals(PacketCode.ACCESS_ACCEPT, RadiusPacket.decode(answers.get(0)).code());
        }
        List<String> results = validations(user).stream().map(l -> l.getString("result")).toList();
        assertEquals(List.of("ACCEPT", "REJECT", "ACCEPT"), results, "one line per decision, none per retransmission");
    }

    /** Last: after everything above, the appliance's log holds no RADIUS secret, PIN or code. */
    @Test
    @Order(Integer.MAX_VALUE)
    void noSecretPinOrCodeReachesTheLog() throws Exception {
        Thread.sleep(500); // let the log handlers write out
        String log = Files.readString(rig.appliance().log());
        assertTrue(log.contains("RADIUS on 127.0.0.1 UDP port " + rig.radiusPort()), "the RADIUS server is in the log");
        assertTrue(log.contains("Dropped"), "drops are logged");
        for (String secret : secrets) {
            assertFalse(log.contains(secret), "a RADIUS secret is in " + rig.appliance().log());
        }
        for (String pin : pins) {
            assertFalse(log.contains(pin), "a PIN is in " + rig.appliance().log());
        }
        for (String code : codes) {
            assertFalse(ChallengeIT.containsNumber(log, code), "a code is in " + rig.appliance().log());
        }
    }

    // Helpers.

    static String newSecret() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        String secret = "rad-" + HexFormat.of().formatHex(b);
        secrets.add(secret);
        return secret;
    }

    static String newPin() {
        String pin = "p" + (100_000 + RANDOM.nextInt(900_000)) + "x";
        pins.add(pin);
        return pin;
    }

    static String code(String code) {
        codes.add(code);
        return code;
    }

    /** The code in the last SMS the gateway received for this number. */
    static String smsCode(String phone) {
        return code(ChallengeIT.code(rig.gateway().lastTo(phone).text(), 6));
    }

    /** How the appliance shows a phone number to the user: country code and last two digits. */
    static String masked(String phone) {
        return phone.substring(0, 3) + "*".repeat(phone.length() - 5) + phone.substring(phone.length() - 2);
    }

    /** The user's validation lines in the audit log, newest first. */
    static List<JsonObject> validations(String user) {
        return validations(api, user);
    }

    static List<JsonObject> validations(Api on, String user) {
        return on.audit(user).stream().map(JsonValue::asJsonObject).filter(l -> "VALIDATE".equals(l.getString("action"))).toList();
    }

    /** A radclient request file: User-Name, User-Password and more attribute lines. */
    static String request(String user, String password, String... more) {
        StringBuilder s = new StringBuilder("User-Name = \"" + user + "\"\nUser-Password = \"" + password + "\"\n");
        for (String line : more) {
            s.append(line).append('\n');
        }
        return s.toString();
    }

    /** What radclient printed (-x) and its exit code. */
    record Radclient(int exitCode, String output) {
        /** The request as radclient sent it. */
        String sent() {
            int at = output.indexOf("Received ");
            return at < 0 ? output : output.substring(0, at);
        }

        /** The reply's attributes as radclient printed them, "" for no reply. */
        String reply() {
            int at = output.indexOf("Received ");
            return at < 0 ? "" : output.substring(at);
        }

        /** How many lines hold this text. */
        long count(String text) {
            return output.lines().filter(l -> l.contains(text)).count();
        }

        void assertReceived(String code) {
            assertTrue(output.contains("Received " + code + " Id"), "expected " + code + ": " + output);
            assertFalse(output.contains("verification failed"), output);
        }

        void assertNoReply() {
            assertTrue(output.contains("No reply from server"), "expected no reply: " + output);
            assertFalse(output.contains("Received "), output);
            assertNotEquals(0, exitCode, output);
        }

        Optional<String> state() {
            return attribute("State", "(0x[0-9a-f]+)");
        }

        Optional<String> replyMessage() {
            return attribute("Reply-Message", "\"(.*)\"");
        }

        private Optional<String> attribute(String name, String value) {
            Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(name) + " = " + value + "$").matcher(reply());
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }

    /** One request, one try, up to 10 s for the answer. */
    static Radclient radclient(String secret, String request) throws IOException, InterruptedException {
        return radclient(secret, 1, 10, request);
    }

    /** One request that must get no answer: one try, 2 s ("No reply from server"). */
    static void assertDropped(String secret, String request) throws IOException, InterruptedException {
        radclient(secret, 1, 2, request).assertNoReply();
    }

    /** {@code radclient -x -r TRIES -t TIMEOUT -c 1 -f FILE 127.0.0.1:PORT auth SECRET}. */
    static Radclient radclient(String secret, int tries, int timeoutSeconds, String request) throws IOException, InterruptedException {
        Path file = Files.createTempFile("radclient", ".txt");
        try {
            Files.writeString(file, request, UTF_8);
            return run(List.of(radclient.toString(), "-x", "-r", String.valueOf(tries), "-t", String.valueOf(timeoutSeconds), "-c", "1",
                    "-f", file.toString(), "127.0.0.1:" + rig.radiusPort(), "auth", secret), (tries + 1) * timeoutSeconds + 30);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** {@code radtest USER PASSWORD 127.0.0.1:PORT 0 SECRET}: radtest adds NAS-IP-Address, NAS-Port and Message-Authenticator. */
    static Radclient radtest(String user, String password) throws IOException, InterruptedException {
        return run(List.of(radtest.toString(), user, password, "127.0.0.1:" + rig.radiusPort(), "0", nasSecret), 60);
    }

    static Radclient run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path output = Files.createTempFile("radclient", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail(command.get(0) + " did not finish within " + timeoutSeconds + " s: " + Files.readString(output));
            }
            return new Radclient(p.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /**
     * A NAS in a few lines, on the adapter's public codec helpers: Access-Requests with a
     * Message-Authenticator, sent from 127.0.0.1 as often as a test likes.
     */
    static final class JavaNas implements AutoCloseable {
        record Sent(int identifier, byte[] authenticator, byte[] datagram) {
        }

        private final DatagramSocket socket;
        private final byte[] secret;

        JavaNas(int port, String secret) throws IOException {
            this.secret = secret.getBytes(UTF_8);
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }

        Sent accessRequest(String user, String password, byte[] state) {
            int id = RANDOM.nextInt(256);
            byte[] authenticator = new byte[16];
            RANDOM.nextBytes(authenticator);
            List<RadiusAttribute> attributes = new ArrayList<>();
            attributes.add(RadiusAttribute.text(AttributeType.USER_NAME, user));
            attributes.add(RadiusAttribute.of(AttributeType.USER_PASSWORD,
                    RadiusCrypto.hidePassword(password.getBytes(UTF_8), secret, authenticator)));
            if (state != null) {
                attributes.add(RadiusAttribute.of(AttributeType.STATE, state));
            }
            attributes.add(RadiusAttribute.text(AttributeType.NAS_IDENTIFIER, "radius-it-java"));
            return new Sent(id, authenticator, RadiusCrypto.encodeAccessRequest(id, authenticator, attributes, secret, true));
        }

        void send(byte[] datagram) throws IOException {
            socket.send(new DatagramPacket(datagram, datagram.length));
        }

        Optional<byte[]> receive(Duration wait) throws IOException {
            byte[] buffer = new byte[4096];
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            socket.setSoTimeout((int) wait.toMillis());
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            return Optional.of(Arrays.copyOf(p.getData(), p.getLength()));
        }

        /** Sends once and expects a verified answer (Response Authenticator and Message-Authenticator) within 10 s. */
        RadiusPacket exchange(Sent sent) throws IOException, MalformedPacketException {
            send(sent.datagram());
            byte[] answer = receive(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("no answer"));
            assertTrue(RadiusCrypto.verifyResponse(answer, sent.authenticator(), secret, true), "the answer verifies");
            RadiusPacket packet = RadiusPacket.decode(answer);
            assertEquals(sent.identifier(), packet.identifier());
            return packet;
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
