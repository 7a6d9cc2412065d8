package org.otpappliance.pam.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.pam.server.BridgeUnavailableException;
import org.otpappliance.pam.server.PamContext;

class RestValidatorTest {
    static final String KEY = "otpa_test-validate-key-0123456789";
    static final VerificationRequest FIRST = new VerificationRequest("alice", "123456", null, VerificationRequest.EntryPoint.PAM, "192.0.2.7");
    static final PamContext CONTEXT = new PamContext("sshd", "login1.example.org", "192.0.2.7", "pts/2", "root");

    final List<ScriptedAppliance> appliances = new ArrayList<>();

    @AfterEach
    void tearDown() {
        appliances.forEach(ScriptedAppliance::close);
    }

    ScriptedAppliance appliance() throws IOException {
        ScriptedAppliance appliance = ScriptedAppliance.http();
        appliances.add(appliance);
        return appliance;
    }

    static RestValidator validator(URI... bases) {
        return new RestValidator(List.of(bases), KEY, Duration.ofSeconds(2), Duration.ofSeconds(2), null);
    }

    @Test
    void sendsTheCodeTheKeyAndThePamContext() throws Exception {
        ScriptedAppliance appliance = appliance();
        assertEquals(new VerificationResult.Accepted("TOTP0001"), validator(appliance.base()).validate(FIRST, CONTEXT));
        ScriptedAppliance.Received got = appliance.received.get(0);
        assertEquals("POST", got.method());
        assertEquals("/api/v1/validate", got.path());
        assertEquals("Bearer " + KEY, got.authorization());
        assertTrue(got.contentType().startsWith("application/json"), got.contentType());
        JsonObject body = got.json();
        assertEquals("alice", body.getString("user"));
        assertEquals("123456", body.getString("code"));
        assertFalse(body.containsKey("transactionId"), "none on a first round");
        JsonObject pam = body.getJsonObject("pam");
        assertEquals("sshd", pam.getString("service"));
        assertEquals("login1.example.org", pam.getString("host"));
        assertEquals("192.0.2.7", pam.getString("rhost"));
        assertEquals("pts/2", pam.getString("tty"));
    }

    @Test
    void aSecondRoundSendsTheTransactionId() throws Exception {
        ScriptedAppliance appliance = appliance();
        validator(appliance.base()).validate(new VerificationRequest("bob", "", "tx-9", VerificationRequest.EntryPoint.PAM, "s"),
                new PamContext("sudo", "h", "", "", "root"));
        JsonObject body = appliance.received.get(0).json();
        assertEquals("tx-9", body.getString("transactionId"));
        assertEquals("", body.getString("code"));
        assertEquals("", body.getJsonObject("pam").getString("rhost"), "unknown fields are sent empty");
    }

    @Test
    void answersAreMapped() throws Exception {
        ScriptedAppliance appliance = appliance();
        RestValidator validator = validator(appliance.base());
        appliance.answering(200, "{\"result\":\"ACCEPT\",\"serial\":\"HOTP7\",\"message\":\"the code is accepted\"}");
        assertEquals(new VerificationResult.Accepted("HOTP7"), validator.validate(FIRST, CONTEXT));
        appliance.answering(200, "{\"result\":\"REJECT\",\"message\":\"the code is not accepted\"}");
        assertEquals(new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE, null), validator.validate(FIRST, CONTEXT),
                "the generic refusal carries no message, as in-process");
        appliance.answering(200, "{\"result\":\"REJECT\",\"message\":\"wait 30 s before asking for another code\"}");
        assertEquals("wait 30 s before asking for another code",
                ((VerificationResult.Rejected) validator.validate(FIRST, CONTEXT)).message());
        appliance.answering(200, "{\"result\":\"CHALLENGE\",\"transactionId\":\"tx-1\",\"message\":\"a code was sent by e-mail\"}");
        assertEquals(new VerificationResult.Challenge("tx-1", "a code was sent by e-mail"), validator.validate(FIRST, CONTEXT));
        appliance.answering(200, "{\"result\":\"ACCEPT\"}");
        assertEquals(new VerificationResult.Accepted(null), validator.validate(FIRST, CONTEXT));
    }

    @Test
    void failsOverWhenTheFirstIsDown() throws Exception {
        ScriptedAppliance second = appliance();
        assertEquals(new VerificationResult.Accepted("TOTP0001"), validator(ScriptedAppliance.down(), second.base()).validate(FIRST, CONTEXT));
        assertEquals(1, second.received.size());
    }

    @Test
    void failsOverOn503And401AndUnreadableAnswers() throws Exception {
        ScriptedAppliance second = appliance();
        for (String[] bad : new String[][] {
                {"503", "{\"type\":\"unavailable\"}"},
                {"500", ""},
                {"401", "{\"type\":\"unauthorized\"}"},
                {"403", "{\"type\":\"forbidden\"}"},
                {"302", ""},
                {"200", "<html>maintenance</html>"},
                {"200", "[1,2]"},
                {"200", "{\"result\":\"MAYBE\"}"},
                {"200", "{\"result\":7}"},
                {"200", "{\"message\":\"no result\"}"},
                {"200", "{\"result\":\"CHALLENGE\",\"message\":\"no transaction id\"}"}}) {
            ScriptedAppliance first = appliance().answering(Integer.parseInt(bad[0]), bad[1]);
            int before = second.received.size();
            assertEquals(new VerificationResult.Accepted("TOTP0001"), validator(first.base(), second.base()).validate(FIRST, CONTEXT),
                    bad[0] + " " + bad[1]);
            assertEquals(1, first.received.size());
            assertEquals(before + 1, second.received.size());
        }
    }

    @Test
    void a400IsARefusalAndA502IsNoDecisionThatNoOtherNodeIsAskedFor() throws Exception {
        ScriptedAppliance second = appliance();
        ScriptedAppliance refusing = appliance().answering(400, "{\"type\":\"invalid-field\"}");
        assertEquals(new VerificationResult.Rejected(VerificationResult.Reason.MALFORMED_CODE),
                validator(refusing.base(), second.base()).validate(FIRST, CONTEXT), "fail closed, whatever fail_open says");
        ScriptedAppliance undelivered = appliance().answering(502, "{\"type\":\"delivery-failed\"}");
        assertThrows(BridgeUnavailableException.class, () -> validator(undelivered.base(), second.base()).validate(FIRST, CONTEXT));
        assertEquals(0, second.received.size(), "another node would send (and count) another SMS");
    }

    @Test
    void anEntryLongerThanTheApplianceTakesIsRefusedWithoutAsking() throws Exception {
        ScriptedAppliance first = appliance();
        VerificationRequest tooLong = new VerificationRequest(FIRST.user(), "1".repeat(1025), null, FIRST.entryPoint(), FIRST.source());
        assertEquals(new VerificationResult.Rejected(VerificationResult.Reason.MALFORMED_CODE),
                validator(first.base()).validate(tooLong, CONTEXT));
        assertEquals(0, first.received.size());
    }

    @Test
    void failsOverOnATimeout() throws Exception {
        ScriptedAppliance slow = appliance();
        slow.delayMillis = 5000;
        ScriptedAppliance second = appliance();
        RestValidator validator = new RestValidator(List.of(slow.base(), second.base()), KEY, Duration.ofSeconds(2),
                Duration.ofMillis(300), null);
        assertEquals(new VerificationResult.Accepted("TOTP0001"), validator.validate(FIRST, CONTEXT));
    }

    @Test
    void whenAllFailItIsUnavailableAndTheKeyIsNeverInTheMessage() throws Exception {
        ScriptedAppliance refusing = appliance().answering(401, "{}");
        ScriptedAppliance failing = appliance().answering(503, "{}");
        BridgeUnavailableException e = assertThrows(BridgeUnavailableException.class,
                () -> validator(refusing.base(), failing.base(), ScriptedAppliance.down()).validate(FIRST, CONTEXT));
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertTrue(e.getMessage().contains("503"), e.getMessage());
        assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY));
        assertFalse(e.getMessage().contains("123456"));
    }

    @Test
    void connectionsAreKeptAlive() throws Exception {
        ScriptedAppliance appliance = appliance();
        RestValidator validator = validator(appliance.base());
        for (int i = 0; i < 3; i++) {
            validator.validate(FIRST, CONTEXT);
        }
        assertEquals(1, appliance.received.stream().map(ScriptedAppliance.Received::remotePort).distinct().count(),
                "one connection for three requests");
    }

    @Test
    void baseUrlsMayHaveAPathAndATrailingSlash() {
        RestValidator validator = validator(URI.create("https://otp.example.org/"), URI.create("https://otp2.example.org/otp//"));
        assertEquals(List.of(URI.create("https://otp.example.org/api/v1/validate"), URI.create("https://otp2.example.org/otp/api/v1/validate")),
                validator.endpoints());
        assertThrows(IllegalArgumentException.class, () -> validator(URI.create("ftp://otp.example.org")));
        assertThrows(IllegalArgumentException.class, () -> new RestValidator(List.of(), KEY, Duration.ofSeconds(1), Duration.ofSeconds(1), null));
        assertThrows(IllegalArgumentException.class,
                () -> new RestValidator(List.of(URI.create("https://a")), " ", Duration.ofSeconds(1), Duration.ofSeconds(1), null));
    }

    // ---------------------------------------------------------------- HTTPS

    @TempDir
    Path tls;

    /** keytool from this JDK: a self-signed server certificate for 127.0.0.1, and a trust store with it. */
    void makeCertificates() throws Exception {
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=appliance-test",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", tls.resolve("server.p12").toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", tls.resolve("server.p12").toString(), "-storepass", "changeit",
                "-file", tls.resolve("server.pem").toString());
        keytool("-importcert", "-noprompt", "-alias", "appliance-ca", "-file", tls.resolve("server.pem").toString(), "-storetype", "PKCS12",
                "-keystore", tls.resolve("trust.p12").toString(), "-storepass", "trustpass");
    }

    static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
    }

    SSLContext serverContext() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.resolve("server.p12"))) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    @Test
    void httpsVerifiesTheCertificateAgainstTheTrustStore() throws Exception {
        makeCertificates();
        ScriptedAppliance appliance = ScriptedAppliance.https(serverContext());
        appliances.add(appliance);
        SSLContext trusting = RestValidator.trustStore(tls.resolve("trust.p12"), "trustpass".toCharArray());
        RestValidator withTrustStore = new RestValidator(List.of(appliance.base()), KEY, Duration.ofSeconds(5), Duration.ofSeconds(5), trusting);
        assertEquals(new VerificationResult.Accepted("TOTP0001"), withTrustStore.validate(FIRST, CONTEXT));

        RestValidator jdkCas = new RestValidator(List.of(appliance.base()), KEY, Duration.ofSeconds(5), Duration.ofSeconds(5), null);
        BridgeUnavailableException untrusted = assertThrows(BridgeUnavailableException.class, () -> jdkCas.validate(FIRST, CONTEXT));
        assertTrue(untrusted.getMessage().contains("SSL"), untrusted.getMessage());

        URI wrongName = URI.create("https://localhost:" + appliance.base().getPort());
        RestValidator otherName = new RestValidator(List.of(wrongName), KEY, Duration.ofSeconds(5), Duration.ofSeconds(5), trusting);
        assertThrows(BridgeUnavailableException.class, () -> otherName.validate(FIRST, CONTEXT),
                "the certificate names 127.0.0.1 only: host name verification is on");
        assertEquals(1, appliance.received.size(), "only the verified connection got through");
    }

    @Test
    void aTrustStoreThatCannotBeReadIsRefused() throws Exception {
        Path garbage = tls.resolve("garbage.p12");
        Files.writeString(garbage, "not a key store");
        assertThrows(IOException.class, () -> RestValidator.trustStore(garbage, null));
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        Path emptyFile = tls.resolve("empty.p12");
        try (var out = Files.newOutputStream(emptyFile)) {
            empty.store(out, "x".toCharArray());
        }
        assertThrows(java.security.GeneralSecurityException.class, () -> RestValidator.trustStore(emptyFile, "x".toCharArray()));
    }
}
