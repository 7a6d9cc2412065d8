package org.otpappliance.pam.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;
import org.otpappliance.pam.protocol.Frames;

class ValidatorHandlerTest {
    final List<VerificationRequest> requests = new ArrayList<>();
    final List<PamContext> contexts = new ArrayList<>();

    ValidatorHandler answering(VerificationResult result) {
        return new ValidatorHandler((request, context) -> {
            requests.add(request);
            contexts.add(context);
            return result;
        }, "login1.example.org");
    }

    static AuthenticateRequest request(String rhost, String value, String transactionId) {
        return new AuthenticateRequest("sshd", "alice", rhost, "pts/2", value, transactionId);
    }

    @Test
    void aFirstRoundBecomesAPamVerificationRequestAndContext() {
        Answer answer = answering(new VerificationResult.Accepted("TOTP0001")).handle(request("192.0.2.7", "123456", ""), "root");
        assertEquals(Answer.accept(), answer, "ACCEPT with an empty message");
        VerificationRequest sent = requests.get(0);
        assertEquals("alice", sent.user());
        assertEquals("123456", sent.code());
        assertNull(sent.transactionId(), "an empty transaction id is none");
        assertEquals(VerificationRequest.EntryPoint.PAM, sent.entryPoint());
        assertEquals("192.0.2.7", sent.source(), "the remote host, when PAM knows it");
        assertEquals(new PamContext("sshd", "login1.example.org", "192.0.2.7", "pts/2", "root"), contexts.get(0));
    }

    @Test
    void aSecondRoundCarriesTheTransactionIdAndALocalLoginHasAPeerSource() {
        answering(new VerificationResult.Accepted(null)).handle(request("", "654321", "tx-77"), "gdm");
        assertEquals("tx-77", requests.get(0).transactionId());
        assertEquals("pam:gdm@login1.example.org", requests.get(0).source());
    }

    @Test
    void rejectionsKeepTheirMessageOrNone() {
        assertEquals(Answer.reject(""), answering(new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE))
                .handle(request("", "1", ""), "root"));
        assertEquals(Answer.reject("the code has expired; ask for a new one"),
                answering(new VerificationResult.Rejected(VerificationResult.Reason.CHALLENGE_EXPIRED, "the code has expired; ask for a new one"))
                        .handle(request("", "1", "tx"), "root"));
    }

    @Test
    void aChallengeCarriesItsMessageAndTransactionId() {
        assertEquals(Answer.challenge("a code was sent by SMS to +41*******67; enter it to log in", "tx-1"),
                answering(new VerificationResult.Challenge("tx-1", "a code was sent by SMS to +41*******67; enter it to log in"))
                        .handle(request("", "", ""), "root"));
    }

    @Test
    void aLongMessageIsCutToFitTheProtocol() {
        Answer answer = answering(new VerificationResult.Rejected(VerificationResult.Reason.SEND_LIMIT, "ü".repeat(1000)))
                .handle(request("", "1", ""), "root");
        assertEquals(Frames.MAX_MESSAGE, answer.message().getBytes(StandardCharsets.UTF_8).length);
        Frames.encodeAnswer(answer); // writable
    }

    @Test
    void aChallengeWhoseIdCannotGoOverTheWireIsAnError() {
        assertEquals(Answer.Result.ERROR, answering(new VerificationResult.Challenge("t".repeat(65), "sent")).handle(request("", "", ""), "root").result());
        assertEquals(Answer.Result.ERROR, answering(new VerificationResult.Challenge(null, "sent")).handle(request("", "", ""), "root").result());
        assertEquals(Answer.Result.ERROR, answering(new VerificationResult.Challenge("", "sent")).handle(request("", "", ""), "root").result());
    }

    @Test
    void noDecisionIsAnError() {
        ValidatorHandler unavailable = new ValidatorHandler((request, context) -> {
            throw new BridgeUnavailableException("no appliance answered");
        }, "h");
        ValidatorHandler broken = new ValidatorHandler((request, context) -> {
            throw new IllegalStateException("database down");
        }, "h");
        Answer error = unavailable.handle(request("", "123456", ""), "root");
        assertEquals(Answer.error(ValidatorHandler.UNAVAILABLE_MESSAGE), error);
        assertEquals(error, broken.handle(request("", "123456", ""), "root"));
        assertEquals(error, answering(null).handle(request("", "123456", ""), "root"));
        assertFalse(error.message().contains("123456"));
    }

    @Test
    void theLoginHostDefaultsToThisHostsName() {
        ValidatorHandler handler = new ValidatorHandler((request, context) -> new VerificationResult.Accepted("s"));
        assertFalse(handler.loginHost().isBlank());
        assertEquals(ValidatorHandler.localHostName(), handler.loginHost());
    }
}
