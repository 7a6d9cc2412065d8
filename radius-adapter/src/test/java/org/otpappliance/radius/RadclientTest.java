package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.verify.VerificationResult;

/**
 * The server against the real {@code radclient} (FreeRADIUS 3.2, Debian's freeradius-utils), which
 * verifies the Response Authenticator and the Message-Authenticator of every reply it accepts
 * ("Reply verification failed" otherwise). Skipped when radclient is missing, unless CI is set.
 */
class RadclientTest {
    private ServerFixture fixture;
    private String radclient;

    @BeforeEach
    void start() throws IOException {
        radclient = findRadclient();
        fixture = new ServerFixture();
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void acceptRejectAndChallengeWithState() throws Exception {
        fixture.validator.script = (r, c) -> switch (r.code()) {
            case "123456" -> new VerificationResult.Accepted("TOTP1");
            case "pin" -> new VerificationResult.Challenge("tx-42", "Enter the code sent by SMS");
            case "777777" -> "tx-42".equals(r.transactionId())
                    ? new VerificationResult.Accepted("SMS1") : new VerificationResult.Rejected(VerificationResult.Reason.UNKNOWN_TRANSACTION);
            default -> new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE, "Wrong code");
        };

        Result accept = run(ServerFixture.SECRET_A, """
                User-Name = "alice"
                User-Password = "123456"
                NAS-Identifier = "radclient-test"
                Proxy-State = 0x01020304
                Message-Authenticator = 0x00
                """);
        assertTrue(accept.output().contains("Received Access-Accept"), accept.output());
        assertTrue(accept.output().contains("Proxy-State = 0x01020304"), accept.output());
        assertFalse(accept.output().contains("verification failed"), accept.output());
        assertEquals(0, accept.exitCode(), accept.output());
        assertEquals("radclient-test", fixture.validator.last().context().nasIdentifier());

        Result reject = run(ServerFixture.SECRET_A, """
                User-Name = "alice"
                User-Password = "000000"
                Message-Authenticator = 0x00
                """);
        assertTrue(reject.output().contains("Access-Reject"), reject.output());
        assertTrue(reject.output().contains("Reply-Message = \"Wrong code\""), reject.output());
        assertFalse(reject.output().contains("verification failed"), reject.output());

        Result challenge = run(ServerFixture.SECRET_A, """
                User-Name = "alice"
                User-Password = "pin"
                Message-Authenticator = 0x00
                """);
        assertTrue(challenge.output().contains("Access-Challenge"), challenge.output());
        assertTrue(challenge.output().contains("Reply-Message = \"Enter the code sent by SMS\""), challenge.output());
        Matcher state = Pattern.compile("State = (0x[0-9a-f]+)").matcher(challenge.output());
        assertTrue(state.find(), challenge.output());

        Result answer = run(ServerFixture.SECRET_A, """
                User-Name = "alice"
                User-Password = "777777"
                State = %s
                Message-Authenticator = 0x00
                """.formatted(state.group(1)));
        assertTrue(answer.output().contains("Received Access-Accept"), answer.output());
        assertEquals(0, answer.exitCode(), answer.output());
        assertEquals("tx-42", fixture.validator.last().request().transactionId());
        assertNull(fixture.validator.calls.get(0).request().transactionId());
    }

    @Test
    void dropsWithoutMessageAuthenticatorOrWithTheWrongSecret() throws Exception {
        Result noMa = run(ServerFixture.SECRET_A, """
                User-Name = "alice"
                User-Password = "123456"
                """);
        assertTrue(noMa.output().contains("No reply from server"), noMa.output());
        assertTrue(noMa.exitCode() != 0);

        Result wrongSecret = run("not-the-secret", """
                User-Name = "alice"
                User-Password = "123456"
                Message-Authenticator = 0x00
                """);
        assertTrue(wrongSecret.output().contains("No reply from server"), wrongSecret.output());
        assertTrue(fixture.validator.calls.isEmpty());
        assertEquals(1, fixture.server.statistics().missingMessageAuthenticator());
        assertEquals(1, fixture.server.statistics().badMessageAuthenticator());
    }

    @Test
    void statusServerGetsAnAccessAcceptThatRadclientVerifies() throws Exception {
        Result status = run("status", ServerFixture.SECRET_A, """
                Message-Authenticator = 0x00
                """);
        assertTrue(status.output().contains("Received Access-Accept"), status.output());
        assertFalse(status.output().contains("verification failed"), status.output());
        assertEquals(0, status.exitCode(), status.output());
        assertTrue(fixture.validator.calls.isEmpty(), "a Status-Server asks the validation service nothing");
        assertEquals(1, fixture.server.statistics().statusServer());
    }

    record Result(int exitCode, String output) {
    }

    /** One request through radclient: one try, 2 s timeout (for the drops), verbose (-x). */
    private Result run(String secret, String request) throws IOException, InterruptedException {
        return run("auth", secret, request);
    }

    private Result run(String packetType, String secret, String request) throws IOException, InterruptedException {
        Path file = Files.createTempFile("radclient", ".txt");
        try {
            Files.writeString(file, request, StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(radclient, "-x", "-r", "1", "-t", "2", "-c", "1",
                    "-f", file.toString(), "127.0.0.1:" + fixture.server.port(), packetType, secret));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("radclient did not finish");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String findRadclient() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "radclient");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String reason = "radclient is not installed (apt-get install freeradius-utils)";
        if (System.getenv("CI") != null) {
            fail(reason + ", and CI is set");
        }
        Assumptions.abort(reason);
        return null;
    }
}
