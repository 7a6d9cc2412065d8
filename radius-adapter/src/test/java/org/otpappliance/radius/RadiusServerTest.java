package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.radius.codec.AttributeType;
import org.otpappliance.radius.codec.PacketCode;

class RadiusServerTest {
    /** How long to wait for an answer that must not come, after the server has counted the drop. */
    private static final Duration NO_ANSWER = Duration.ofMillis(300);

    private ServerFixture fixture;
    private ScriptedValidator validator;

    @BeforeEach
    void start() throws IOException {
        fixture = new ServerFixture();
        validator = fixture.validator;
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    // ---------------------------------------------------------------- result mapping

    @Test
    void acceptedBecomesAccessAcceptWithMessageAuthenticatorFirst() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply reply = nas.answer(nas.request("alice").password("123456")
                    .text(AttributeType.NAS_IDENTIFIER, "vpn-gw-1")
                    .attribute(AttributeType.NAS_IP_ADDRESS, new byte[] {(byte) 192, 0, 2, 10}));
            assertEquals(PacketCode.ACCESS_ACCEPT, reply.code());
            assertTrue(reply.text(AttributeType.REPLY_MESSAGE).isEmpty(), "no Reply-Message on accept by default");
            assertTrue(reply.value(AttributeType.STATE).isEmpty());
        }
        ScriptedValidator.Call call = validator.last();
        VerificationRequest r = call.request();
        assertEquals("alice", r.user());
        assertEquals("123456", r.code());
        assertNull(r.transactionId());
        assertEquals(VerificationRequest.EntryPoint.RADIUS, r.entryPoint());
        assertEquals("127.0.0.1", r.source());
        assertEquals(new RadiusContext("vpn-a", InetAddress.getByName("127.0.0.1"), "vpn-gw-1", "192.0.2.10", ""), call.context());
        assertEquals(1, fixture.server.statistics().accepts());
    }

    @Test
    void callingStationIdIsPartOfTheSource() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            nas.answer(nas.request("alice").password("123456").text(AttributeType.CALLING_STATION_ID, "198.51.100.7"));
        }
        assertEquals("127.0.0.1 (calling 198.51.100.7)", validator.last().request().source());
        assertEquals("198.51.100.7", validator.last().context().callingStationId());
    }

    @Test
    void rejectedBecomesAccessRejectWithTheServiceMessageOnly() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            validator.script = (r, c) -> new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE);
            TestNas.Reply generic = nas.answer(nas.request("alice").password("000000"));
            assertEquals(PacketCode.ACCESS_REJECT, generic.code());
            assertTrue(generic.text(AttributeType.REPLY_MESSAGE).isEmpty());

            validator.script = (r, c) -> new VerificationResult.Rejected(VerificationResult.Reason.RESEND_TOO_EARLY,
                    "Wait 30 seconds before asking for another code");
            TestNas.Reply told = nas.answer(nas.request("alice").password("000000"));
            assertEquals(PacketCode.ACCESS_REJECT, told.code());
            assertEquals("Wait 30 seconds before asking for another code", told.text(AttributeType.REPLY_MESSAGE).orElseThrow());
        }
        assertEquals(2, fixture.server.statistics().rejects());
    }

    @Test
    void longReplyMessagesAreSplitIntoSeveralAttributes() throws IOException {
        String message = "é".repeat(300) + " done";
        validator.script = (r, c) -> new VerificationResult.Rejected(VerificationResult.Reason.LOCKED, message);
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply reply = nas.answer(nas.request("alice").password("1"));
            assertTrue(reply.attributes(AttributeType.REPLY_MESSAGE).size() >= 3);
            assertEquals(message, reply.text(AttributeType.REPLY_MESSAGE).orElseThrow());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 6, 15, 16, 17, 32, 100, 127, 128})
    void papPasswordsOfEveryLengthArriveIntact(int length) throws IOException {
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < length; i++) {
            password.append((char) ('!' + (i * 7) % 94));
        }
        try (TestNas nas = fixture.vpnA()) {
            assertEquals(PacketCode.ACCESS_ACCEPT, nas.answer(nas.request("bob").password(password.toString())).code());
        }
        assertEquals(password.toString(), validator.last().request().code());
    }

    @Test
    void multiByteUserNamesAndPasswordsAreUtf8() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            nas.answer(nas.request("zoë").password("pïn123456"));
        }
        assertEquals("zoë", validator.last().request().user());
        assertEquals("pïn123456", validator.last().request().code());
    }

    @Test
    void anEmptyPasswordReachesTheValidatorAsAnEmptyCode() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            nas.answer(nas.request("alice").password(""));
        }
        assertEquals("", validator.last().request().code());
    }

    @Test
    void proxyStateIsEchoedInOrderAfterTheMessageAuthenticator() throws IOException {
        validator.script = (r, c) -> new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE, "no");
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply reply = nas.answer(nas.request("alice").password("1")
                    .attribute(AttributeType.PROXY_STATE, new byte[] {1, 2, 3})
                    .attribute(AttributeType.PROXY_STATE, "second".getBytes(StandardCharsets.US_ASCII))
                    .attribute(AttributeType.PROXY_STATE, new byte[] {0}));
            List<TestNas.Attr> attributes = reply.attributes();
            assertEquals(TestNas.MA, attributes.get(0).type());
            List<TestNas.Attr> proxy = reply.attributes(AttributeType.PROXY_STATE);
            assertEquals(3, proxy.size());
            assertArrayEquals(new byte[] {1, 2, 3}, proxy.get(0).value());
            assertArrayEquals("second".getBytes(StandardCharsets.US_ASCII), proxy.get(1).value());
            assertArrayEquals(new byte[] {0}, proxy.get(2).value());
        }
    }

    @Test
    void aMessageAuthenticatorAnywhereInTheRequestIsChecked() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            assertEquals(PacketCode.ACCESS_ACCEPT, nas.answer(nas.request("alice").password("1").messageAuthenticatorLast()).code());
        }
    }

    // ---------------------------------------------------------------- challenge and State

    @Test
    void challengeCarriesAStateThatTheNextRequestQuotes() throws IOException {
        validator.script = (r, c) -> r.transactionId() == null
                ? new VerificationResult.Challenge("tx-123", "Enter the code sent by SMS")
                : new VerificationResult.Accepted("SMS0001");
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply challenge = nas.answer(nas.request("alice").password("my-pin"));
            assertEquals(PacketCode.ACCESS_CHALLENGE, challenge.code());
            assertEquals("Enter the code sent by SMS", challenge.text(AttributeType.REPLY_MESSAGE).orElseThrow());
            byte[] state = challenge.value(AttributeType.STATE).orElseThrow();
            String text = new String(state, StandardCharsets.UTF_8);
            assertTrue(text.startsWith("v1.tx-123."), text);
            assertEquals("v1.tx-123.".length() + 22, text.length());

            TestNas.Reply accept = nas.answer(nas.request("alice").password("424242").attribute(AttributeType.STATE, state));
            assertEquals(PacketCode.ACCESS_ACCEPT, accept.code());
        }
        assertEquals(2, validator.calls.size());
        assertNull(validator.calls.get(0).request().transactionId());
        assertEquals("tx-123", validator.calls.get(1).request().transactionId());
        assertEquals("424242", validator.calls.get(1).request().code());
    }

    @Test
    void aChallengeWithoutMessageGetsTheDefaultPrompt() throws IOException {
        validator.script = (r, c) -> new VerificationResult.Challenge("tx-1", null);
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply reply = nas.answer(nas.request("alice").password(""));
            assertEquals(RadiusServer.ReplyMessages.DEFAULT.challenge(), reply.text(AttributeType.REPLY_MESSAGE).orElseThrow());
        }
    }

    @Test
    void aForgedOrForeignStateIsRejectedWithoutValidation() throws IOException {
        validator.script = (r, c) -> new VerificationResult.Challenge("tx-9", "code?");
        byte[] state;
        try (TestNas nas = fixture.vpnA()) {
            state = nas.answer(nas.request("alice").password("pin")).value(AttributeType.STATE).orElseThrow();
            int callsBefore = validator.calls.size();

            byte[] forged = state.clone();
            forged[forged.length - 1] ^= 1;
            forged[forged.length - 1] = (byte) (forged[forged.length - 1] == '.' ? 'A' : forged[forged.length - 1]);
            assertEquals(PacketCode.ACCESS_REJECT, nas.answer(nas.request("alice").password("1").attribute(AttributeType.STATE, forged)).code());
            byte[] otherTransaction = new String(state, StandardCharsets.UTF_8).replace("tx-9", "tx-8").getBytes(StandardCharsets.UTF_8);
            assertEquals(PacketCode.ACCESS_REJECT,
                    nas.answer(nas.request("alice").password("1").attribute(AttributeType.STATE, otherTransaction)).code());
            assertEquals(PacketCode.ACCESS_REJECT,
                    nas.answer(nas.request("alice").password("1").attribute(AttributeType.STATE, "garbage".getBytes(StandardCharsets.US_ASCII))).code());
            assertEquals(callsBefore, validator.calls.size(), "a bad State is not a validation");
        }
        try (TestNas other = fixture.nas("127.0.0.4", ServerFixture.SECRET_B)) {
            int callsBefore = validator.calls.size();
            TestNas.Reply reply = other.answer(other.request("alice").password("1").attribute(AttributeType.STATE, state));
            assertEquals(PacketCode.ACCESS_REJECT, reply.code(), "a State issued to vpn-a is refused from vpn-b");
            assertEquals(callsBefore, validator.calls.size());
        }
    }

    @Test
    void aStateFromAnotherServerKeyDoesNotVerify() throws IOException {
        validator.script = (r, c) -> new VerificationResult.Challenge("tx-7", "code?");
        byte[] state;
        try (TestNas nas = fixture.vpnA()) {
            state = nas.answer(nas.request("alice").password("pin")).value(AttributeType.STATE).orElseThrow();
        }
        try (ServerFixture second = new ServerFixture(); TestNas nas = second.vpnA()) {
            assertEquals(PacketCode.ACCESS_REJECT,
                    nas.answer(nas.request("alice").password("1").attribute(AttributeType.STATE, state)).code());
            assertTrue(second.validator.calls.isEmpty());
        }
    }

    // ---------------------------------------------------------------- who may ask

    @Test
    void unknownSourcesAreDropped() throws IOException {
        try (TestNas stranger = fixture.nas("127.0.0.2", ServerFixture.SECRET_A)) {
            stranger.send(stranger.request("alice").password("123456").encode());
            fixture.awaitStat(RadiusServer.Statistics::unknownClient, 1);
            assertTrue(stranger.receive(NO_ANSWER).isEmpty());
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void aWrongSharedSecretShowsInTheMessageAuthenticatorAndIsDropped() throws IOException {
        try (TestNas nas = fixture.nas("127.0.0.1", "not-the-secret")) {
            nas.send(nas.request("alice").password("123456").encode());
            fixture.awaitStat(RadiusServer.Statistics::badMessageAuthenticator, 1);
            assertTrue(nas.receive(NO_ANSWER).isEmpty());
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void aMissingMessageAuthenticatorIsDroppedWhenTheClientRequiresOne() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            nas.send(nas.request("alice").password("123456").noMessageAuthenticator().encode());
            fixture.awaitStat(RadiusServer.Statistics::missingMessageAuthenticator, 1);
            assertTrue(nas.receive(NO_ANSWER).isEmpty());
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void aMissingMessageAuthenticatorIsAcceptedWhenTheClientDoesNotRequireOne() throws IOException {
        try (TestNas legacy = fixture.nas("127.0.0.3", ServerFixture.SECRET_LEGACY)) {
            TestNas.Reply reply = legacy.answer(legacy.request("alice").password("123456").noMessageAuthenticator());
            assertEquals(PacketCode.ACCESS_ACCEPT, reply.code()); // and answer() checked the MA is there, first
        }
        assertEquals("legacy", validator.last().context().clientName());
    }

    @Test
    void aWrongMessageAuthenticatorIsDroppedEvenWhenNotRequired() throws IOException {
        try (TestNas legacy = fixture.nas("127.0.0.3", "wrong")) {
            legacy.send(legacy.request("alice").password("123456").encode());
            fixture.awaitStat(RadiusServer.Statistics::badMessageAuthenticator, 1);
            assertTrue(legacy.receive(NO_ANSWER).isEmpty());
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void aWrongSecretWithoutMessageAuthenticatorGarblesThePasswordIntoAReject() throws IOException {
        try (TestNas legacy = fixture.nas("127.0.0.3", ServerFixture.SECRET_LEGACY)) {
            TestNas.Request request = legacy.request("alice").password("123456").noMessageAuthenticator();
            request.authenticator = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
            byte[] wrong = request.encode("another-secret".getBytes(StandardCharsets.UTF_8));
            TestNas.Reply reply = legacy.exchange(request, wrong, Duration.ofSeconds(5)).orElseThrow();
            reply.assertVerified(request, ServerFixture.bytes(ServerFixture.SECRET_LEGACY)); // signed with the real secret
            assertEquals(PacketCode.ACCESS_REJECT, reply.code());
        }
        assertTrue(validator.calls.isEmpty(), "a garbled password is not a validation (no fail counter hit)");
    }

    // ---------------------------------------------------------------- what is served

    @Test
    void chapAndEapAreRejectedWithoutValidation() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply chap = nas.answer(nas.request("alice").attribute(AttributeType.CHAP_PASSWORD, new byte[17]));
            assertEquals(PacketCode.ACCESS_REJECT, chap.code());
            assertEquals(RadiusServer.ReplyMessages.DEFAULT.unsupportedAuthentication(), chap.text(AttributeType.REPLY_MESSAGE).orElseThrow());
            TestNas.Reply eap = nas.answer(nas.request("alice").attribute(AttributeType.EAP_MESSAGE, new byte[] {2, 0, 0, 5, 1}));
            assertEquals(PacketCode.ACCESS_REJECT, eap.code());
            assertTrue(eap.text(AttributeType.REPLY_MESSAGE).isEmpty(), "no Reply-Message with EAP (RFC 3579 §2.6.5)");
            TestNas.Reply none = nas.answer(nas.request("alice"));
            assertEquals(PacketCode.ACCESS_REJECT, none.code(), "no password at all");
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void userNamesWithControlCharactersAreRejectedWithoutValidation() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            assertEquals(PacketCode.ACCESS_REJECT, nas.answer(nas.request("alice\nforged log line").password("1")).code());
            assertEquals(PacketCode.ACCESS_REJECT, nas.answer(nas.request("alice\0").password("1")).code());
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void onlyAccessRequestsAreServed() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            nas.send(nas.request("alice").password("1").code(PacketCode.ACCOUNTING_REQUEST).encode());
            nas.send(nas.request("alice").password("1").code(PacketCode.ACCESS_ACCEPT).encode());
            fixture.awaitStat(RadiusServer.Statistics::notAccessRequest, 2);
            assertTrue(nas.receive(NO_ANSWER).isEmpty());
        }
        assertTrue(validator.calls.isEmpty());
    }

    @Test
    void statusServerIsAnsweredWithAccessAcceptWithoutAskingTheValidator() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Reply reply = nas.answer(nas.request(null).code(PacketCode.STATUS_SERVER));
            assertEquals(PacketCode.ACCESS_ACCEPT, reply.code());
            TestNas.Reply again = nas.answer(nas.request(null).code(PacketCode.STATUS_SERVER));
            assertEquals(PacketCode.ACCESS_ACCEPT, again.code());
        }
        assertTrue(validator.calls.isEmpty());
        assertEquals(2, fixture.server.statistics().statusServer());
        assertEquals(0, fixture.server.statistics().accepts(), "not counted as a login");
    }

    @Test
    void statusServerWithoutMessageAuthenticatorIsDroppedEvenForAClientThatDoesNotRequireOne() throws IOException {
        try (TestNas legacy = fixture.nas("127.0.0.3", ServerFixture.SECRET_LEGACY)) {
            legacy.send(legacy.request(null).code(PacketCode.STATUS_SERVER).noMessageAuthenticator().encode());
            fixture.awaitStat(RadiusServer.Statistics::missingMessageAuthenticator, 1);
            assertTrue(legacy.receive(NO_ANSWER).isEmpty(), "RFC 5997: Status-Server must carry a Message-Authenticator");
        }
        try (TestNas wrongSecret = fixture.nas("127.0.0.1", "not-the-secret")) {
            wrongSecret.send(wrongSecret.request(null).code(PacketCode.STATUS_SERVER).encode());
            fixture.awaitStat(RadiusServer.Statistics::badMessageAuthenticator, 1);
            assertTrue(wrongSecret.receive(NO_ANSWER).isEmpty());
        }
        assertEquals(0, fixture.server.statistics().statusServer());
    }

    @Test
    void malformedRequestsAreDropped() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            nas.send(nas.request(null).password("1").encode()); // no User-Name
            nas.send(nas.request("alice").text(AttributeType.USER_NAME, "bob").password("1").encode()); // two
            nas.send(nas.request("").password("1").encode()); // empty User-Name
            nas.send(nas.request("alice").attribute(AttributeType.USER_PASSWORD, new byte[16]).password("1").encode()); // two passwords
            nas.send(nas.request("alice").attribute(AttributeType.USER_PASSWORD, new byte[20]).encode()); // not blocks of 16
            nas.send(nas.request("alice").attribute(AttributeType.USER_PASSWORD, new byte[144]).encode()); // over 128
            nas.send(nas.request("alice").attribute(AttributeType.STATE, new byte[3]).attribute(AttributeType.STATE, new byte[3])
                    .password("1").encode()); // two States
            byte[] truncated = nas.request("alice").password("1").encode();
            nas.send(java.util.Arrays.copyOf(truncated, truncated.length - 1)); // Length field beyond the datagram
            nas.send(new byte[] {1, 2, 3}); // shorter than a header
            nas.send(new byte[5000]); // longer than 4096 (and code 0)
            byte[] huge = new byte[4200];
            huge[0] = 1;
            nas.send(huge); // an Access-Request code, longer than 4096
            byte[] lengthOne = nas.request("alice").password("1").encode();
            lengthOne[39] = 1; // the attribute after the Message-Authenticator claims length 1
            nas.send(lengthOne);
            fixture.awaitStat(s -> s.malformed() + s.notAccessRequest(), 12);
            fixture.awaitIdle();
            assertTrue(nas.receive(NO_ANSWER).isEmpty());
        }
        assertTrue(validator.calls.isEmpty());
        assertEquals(0, fixture.server.statistics().internalErrors());
    }

    // ---------------------------------------------------------------- duplicates (RFC 5080)

    @Test
    void aRetransmissionGetsTheCachedResponseWithoutASecondValidation() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Request request = nas.request("alice").password("123456");
            byte[] datagram = request.encode();
            TestNas.Reply first = nas.exchange(request, datagram, Duration.ofSeconds(5)).orElseThrow();
            TestNas.Reply second = nas.exchange(request, datagram, Duration.ofSeconds(5)).orElseThrow();
            assertArrayEquals(first.bytes(), second.bytes());
            second.assertVerified(request, ServerFixture.bytes(ServerFixture.SECRET_A));
        }
        assertEquals(1, validator.calls.size());
        assertEquals(1, fixture.server.statistics().duplicatesAnswered());
    }

    @Test
    void theSameIdentifierWithAnotherAuthenticatorIsANewRequest() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Request request = nas.request("alice").password("123456");
            nas.answer(request);
            request.authenticator[0] ^= 1;
            nas.answer(request);
        }
        assertEquals(2, validator.calls.size());
    }

    @Test
    void aRetransmissionWhileTheFirstIsInProgressIsDropped() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        validator.script = (r, c) -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
            return new VerificationResult.Accepted("T1");
        };
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Request request = nas.request("alice").password("123456");
            byte[] datagram = request.encode();
            nas.send(datagram);
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            nas.send(datagram);
            fixture.awaitStat(RadiusServer.Statistics::duplicatesInProgress, 1);
            release.countDown();
            TestNas.Reply reply = nas.receive(Duration.ofSeconds(5)).orElseThrow();
            reply.assertVerified(request, ServerFixture.bytes(ServerFixture.SECRET_A));
            assertTrue(nas.receive(NO_ANSWER).isEmpty(), "one answer only");
        }
        assertEquals(1, validator.calls.size());
    }

    @Test
    void cachedAnswersExpireAfterTheLifetime() throws IOException {
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Request request = nas.request("alice").password("123456");
            byte[] datagram = request.encode();
            nas.exchange(request, datagram, Duration.ofSeconds(5)).orElseThrow();
            fixture.clock.addAndGet(Duration.ofSeconds(29).toNanos());
            nas.exchange(request, datagram, Duration.ofSeconds(5)).orElseThrow();
            assertEquals(1, validator.calls.size(), "still cached after 29 s");
            fixture.clock.addAndGet(Duration.ofSeconds(2).toNanos());
            validator.script = (r, c) -> new VerificationResult.Rejected(VerificationResult.Reason.REPLAYED);
            assertEquals(PacketCode.ACCESS_REJECT, nas.exchange(request, datagram, Duration.ofSeconds(5)).orElseThrow().code());
            assertEquals(2, validator.calls.size(), "processed afresh after 30 s");
        }
    }

    @Test
    void aValidatorFailureIsNotAnsweredAndTheRetransmissionIsProcessedAfresh() throws IOException {
        validator.script = (r, c) -> {
            throw new IllegalStateException("database down");
        };
        try (TestNas nas = fixture.vpnA()) {
            TestNas.Request request = nas.request("alice").password("123456");
            byte[] datagram = request.encode();
            nas.send(datagram);
            fixture.awaitStat(RadiusServer.Statistics::validatorErrors, 1);
            assertTrue(nas.receive(NO_ANSWER).isEmpty());
            validator.script = (r, c) -> new VerificationResult.Accepted("T1");
            TestNas.Reply reply = nas.exchange(request, datagram, Duration.ofSeconds(5)).orElseThrow();
            assertEquals(PacketCode.ACCESS_ACCEPT, reply.code());
        }
        assertEquals(2, validator.calls.size());
    }

    @Test
    void aValidatorReturningNullIsNotAnswered() throws IOException {
        validator.script = (r, c) -> null;
        try (TestNas nas = fixture.vpnA()) {
            nas.send(nas.request("alice").password("1").encode());
            fixture.awaitStat(RadiusServer.Statistics::validatorErrors, 1);
            assertTrue(nas.receive(NO_ANSWER).isEmpty());
        }
    }

    @Test
    void aChallengeWhoseTransactionIdCannotBeAStateIsRejected() throws IOException {
        validator.script = (r, c) -> new VerificationResult.Challenge("x".repeat(300), "code?");
        try (TestNas nas = fixture.vpnA()) {
            assertEquals(PacketCode.ACCESS_REJECT, nas.answer(nas.request("alice").password("1")).code());
        }
    }

    // ---------------------------------------------------------------- life cycle

    @Test
    void lifeCycle() throws IOException {
        byte[] key = new byte[32];
        RadiusServer server = new RadiusServer(RadiusServer.Settings.of(key).withBindAddress(InetAddress.getByName("127.0.0.1"))
                .withPort(0), source -> java.util.Optional.empty(), (r, c) -> null);
        assertThrows(IllegalStateException.class, server::port);
        server.start();
        assertTrue(server.port() > 0);
        assertThrows(IllegalStateException.class, server::start);
        server.close();
        server.close();
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void aTakenPortFailsTheStart() throws IOException {
        RadiusServer.Settings settings = fixture.server.settings().withPort(fixture.server.port());
        RadiusServer second = new RadiusServer(settings, source -> java.util.Optional.empty(), (r, c) -> null);
        IOException e = assertThrows(IOException.class, second::start);
        assertTrue(e.getMessage().contains(String.valueOf(fixture.server.port())), e.getMessage());
        second.close();
    }

    @Test
    void settingsValidateAndHideTheKey() {
        byte[] key = new byte[32];
        key[0] = 42;
        RadiusServer.Settings s = RadiusServer.Settings.of(key);
        assertEquals(1812, s.port());
        assertEquals("0.0.0.0", s.bindAddress().getHostAddress());
        assertEquals(Duration.ofSeconds(30), s.duplicateCacheLifetime());
        key[0] = 0;
        assertEquals(42, s.stateKey()[0], "copied in");
        s.stateKey()[0] = 1;
        assertEquals(42, s.stateKey()[0], "copied out");
        assertFalse(s.toString().contains("42"));
        assertThrows(IllegalArgumentException.class, () -> RadiusServer.Settings.of(new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> s.withPort(65_536));
        assertThrows(IllegalArgumentException.class, () -> s.withWorkerThreads(0));
        assertEquals(s, RadiusServer.Settings.of(s.stateKey()));
    }
}
