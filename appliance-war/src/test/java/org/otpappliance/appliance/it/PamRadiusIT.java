package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Debian's {@code pam_radius_auth} (libpam-radius-auth 2.0) against the appliance's RADIUS server,
 * driven by {@code pamtester} through a real {@code /etc/pam.d} service whose module line points at
 * a configuration file of the test's own ({@code conf=}; lines {@code server:port secret timeout
 * source_ip}). The module verifies the Response Authenticator of every answer, so a login proves
 * the exchange compatible.
 *
 * <p>pam_radius_auth 2.0 never sends Message-Authenticator (it predates BlastRADIUS), so its RADIUS
 * client entry has {@code requireMessageAuthenticator} false; one test shows what happens with the
 * default (no answer at all). The module sends from {@value #SOURCE} (its {@code source_ip}), an
 * address with a RADIUS client of its own on the shared {@link RadiusRig}.
 *
 * <p>Needs root (it writes {@code /etc/pam.d}), {@code pam_radius_auth.so} and {@code pamtester};
 * {@code .ci/run} installs them. Elsewhere the test is skipped when one is missing, and fails when
 * CI is set. The login user need not exist locally: pam_radius_auth never looks the user up.
 */
@ExtendWith(RadiusRig.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PamRadiusIT {
    static final Path PAM_D = Path.of("/etc/pam.d");
    /** Where pam_radius_auth sends from: the RADIUS client without Message-Authenticator. */
    static final String SOURCE = "127.0.0.9";
    /** Where it sends from in the one test of a client that requires Message-Authenticator (the default). */
    static final String STRICT_SOURCE = "127.0.0.10";

    static Path module;
    static Path pamtester;
    static RadiusRig.Rig rig;
    static Api api;
    static String clientName;
    static String secret;
    static String strictSecret;

    String user;
    final List<Path> created = new ArrayList<>();

    @BeforeAll
    static void prerequisites() {
        Prerequisites.PamModule found = Prerequisites.pamModule("PamRadiusIT", "pam_radius_auth.so", "libpam-radius-auth");
        module = found.module();
        pamtester = found.pamtester();
    }

    @BeforeEach
    void setUp(RadiusRig.Rig theRig) throws IOException {
        if (rig == null) {
            rig = theRig;
            api = rig.appliance().api();
            secret = RadiusIT.newSecret();
            clientName = api.newRadiusClient("pam-radius", SOURCE, secret, false).getString("name");
            strictSecret = RadiusIT.newSecret();
            api.newRadiusClient("pam-radius-strict", STRICT_SOURCE, strictSecret, null);
        }
        user = api.newUser("pam-radius");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Path p : created) {
            Files.deleteIfExists(p);
        }
    }

    @Test
    void aFreshCodeLogsInOnceAndTheSameCodeAgainFails() throws Exception {
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String service = service(SOURCE, secret);

        Login first = login(service, Codes.hotp(token, 0) + "\n");
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("successfully authenticated"), first.output());

        Login again = login(service, Codes.hotp(token, 0) + "\n");
        assertNotEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("Authentication failure"), "refused, not unanswered: " + again.output());

        Login next = login(service, Codes.hotp(token, 1) + "\n");
        assertEquals(0, next.exitCode(), next.output());

        List<JsonObject> lines = RadiusIT.validations(api, user);
        assertEquals(List.of("ACCEPT", "REJECT", "ACCEPT"), lines.stream().map(l -> l.getString("result")).toList());
        assertEquals("REPLAYED", lines.get(1).getString("reason"));
        for (JsonObject line : lines) {
            assertEquals("RADIUS", line.getString("entryPoint"), line.toString());
            assertEquals("radius:" + clientName + " (" + service + ")", line.getString("actor"),
                    "pam_radius_auth sends the PAM service as NAS-Identifier: " + line);
            assertEquals(SOURCE, line.getString("source"), line.toString());
        }
    }

    @Test
    void thePinAloneIsAnsweredWithThePromptForTheCode() throws Exception {
        String pin = RadiusIT.newPin();
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").add("pin", pin).build());
        String service = service(SOURCE, secret);

        Login pinAndCode = login(service, pin + Codes.hotp(token, 0) + "\n");
        assertEquals(0, pinAndCode.exitCode(), "the PIN and the code in one answer: " + pinAndCode.output());

        Login twoSteps = login(service, pin + "\n" + Codes.hotp(token, 1) + "\n");
        assertEquals(0, twoSteps.exitCode(), twoSteps.output());
        assertTrue(twoSteps.output().contains(RadiusIT.PIN_CHALLENGE), "the Reply-Message is the prompt: " + twoSteps.output());
    }

    @Test
    void anEmptyPasswordSendsAnSmsCodeAndTheCodeAtThePromptLogsIn() throws Exception {
        String phone = ChallengeIT.newPhone();
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).build());
        String service = service(SOURCE, secret);

        Path output = Files.createTempFile("pamtester", ".out");
        created.add(output);
        Process p = pamtester(service, output);
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
            in.flush();
            waitFor(() -> rig.gateway().requests.stream().anyMatch(r -> phone.equals(r.to())), "an SMS to " + phone, output);
            waitFor(() -> read(output).contains("enter it to log in"), "the challenge prompt", output);
            String code = ChallengeIT.code(rig.gateway().lastTo(phone).text(), 6);
            RadiusIT.codes.add(code);
            in.write((code + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        Login login = finish(p, output);
        assertEquals(0, login.exitCode(), login.output());
        assertTrue(login.output().contains("a code was sent by SMS to " + RadiusIT.masked(phone)), login.output());
        assertEquals(List.of("ACCEPT", "CHALLENGE"), RadiusIT.validations(api, user).stream().map(l -> l.getString("result")).toList());
    }

    /** Why its client entry must relax the requirement: with the default, the appliance does not answer at all. */
    @Test
    void withMessageAuthenticatorRequiredTheApplianceDoesNotAnswerIt() throws Exception {
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        Login unanswered = login(service(STRICT_SOURCE, strictSecret), Codes.hotp(token, 0) + "\n");
        assertNotEquals(0, unanswered.exitCode(), unanswered.output());
        assertTrue(unanswered.output().contains("Authentication service cannot retrieve authentication info"), unanswered.output());
        assertEquals(List.of(), RadiusIT.validations(api, user), "dropped before any validation");

        Login relaxed = login(service(SOURCE, secret), Codes.hotp(token, 0) + "\n");
        assertEquals(0, relaxed.exitCode(), "the code was not spent: " + relaxed.output());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theSharedSecretsAreNotInTheLog() throws Exception {
        Thread.sleep(500); // let the log handlers write out
        String log = Files.readString(rig.appliance().log());
        assertFalse(log.contains(secret) || log.contains(strictSecret), "a RADIUS secret is in " + rig.appliance().log());
    }

    // Helpers.

    /** A PAM service with pam_radius_auth sending from {@code source} with {@code withSecret}; its name. */
    String service(String source, String withSecret) throws IOException {
        Path conf = Files.createTempFile("pam_radius_auth", ".conf", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        created.add(conf);
        // server[:port] secret [timeout [source_ip]]; the timeout is clamped to 3..60 s.
        Files.writeString(conf, "127.0.0.1:" + rig.radiusPort() + " " + withSecret + " 3 " + source + "\n");
        String name = "otpa-radius-test-" + HexFormat.of().formatHex(VirtualYubiKey.bytes(4));
        Path service = PAM_D.resolve(name);
        created.add(service);
        Files.writeString(service, String.join("\n", "auth required " + module.toAbsolutePath() + " conf=" + conf,
                "account required pam_permit.so", ""));
        return name;
    }

    record Login(int exitCode, String output) {
    }

    /** {@code pamtester -v SERVICE USER authenticate}, typing {@code typed} (one line per prompt). */
    Login login(String service, String typed) throws IOException, InterruptedException {
        Path output = Files.createTempFile("pamtester", ".out");
        created.add(output);
        Process p = pamtester(service, output);
        try (OutputStream in = p.getOutputStream()) {
            in.write(typed.getBytes(StandardCharsets.US_ASCII));
        }
        return finish(p, output);
    }

    Process pamtester(String service, Path output) throws IOException {
        return new ProcessBuilder(pamtester.toString(), "-v", service, user, "authenticate")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    static Login finish(Process p, Path output) throws IOException, InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("pamtester did not finish within 60 s: " + Files.readString(output));
        }
        return new Login(p.exitValue(), Files.readString(output));
    }

    static void waitFor(BooleanSupplier condition, String what, Path output) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within 20 s; pamtester said: " + read(output));
            }
            Thread.sleep(50);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
