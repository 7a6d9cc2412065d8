package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Debian's {@code pam_yubico} (libpam-yubico, with ykclient) against {@code /wsapi/2.0/verify},
 * driven by {@code pamtester} through a real {@code /etc/pam.d} service. The module is given the
 * client's {@code id} and {@code key}, so it signs its requests and refuses any answer whose
 * signature or otp/nonce echo is wrong: a login proves the exchange compatible.
 *
 * <p>Needs root (it writes {@code /etc/pam.d}), {@code pam_yubico.so} and {@code pamtester};
 * {@code .ci/run} installs them. Elsewhere the test is skipped when one is missing, and fails
 * when CI is set. The login user need not exist locally: with {@code authfile=} the module never
 * looks the user up.
 */
@ExtendWith(SharedAppliance.class)
class PamYubicoIT {
    static final Path PAM_D = Path.of("/etc/pam.d");

    static Path module;
    static Path pamtester;

    Api api;
    String url;
    VirtualYubiKey key;
    String user;
    Path service;
    Path authfile;

    @BeforeAll
    static void prerequisites() {
        Prerequisites.PamModule found = Prerequisites.pamModule("PamYubicoIT", "pam_yubico.so", "libpam-yubico");
        module = found.module();
        pamtester = found.pamtester();
    }

    @BeforeEach
    void setUp(Appliance appliance) throws IOException {
        api = appliance.api();
        url = appliance.base() + Wsapi.PATH;
        key = VirtualYubiKey.random();
        user = api.newUser("pam-yk");
        api.enroll(key.enrollment(user));
        JsonObject client = api.newYubicoClient("pam-yubico", false);

        authfile = Files.createTempFile("yubikey-mappings", ".txt");
        Files.writeString(authfile, user + ":" + key.publicId() + "\n");
        service = PAM_D.resolve("otpa-yubico-test-" + HexFormat.of().formatHex(VirtualYubiKey.bytes(4)));
        Files.writeString(service, String.join("\n",
                "auth required " + module.toAbsolutePath() + " id=" + client.getJsonNumber("yubicoId") + " key="
                        + client.getString("yubicoKey") + " urllist=" + url + " authfile=" + authfile + " debug",
                "account required pam_permit.so", ""));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (service != null) {
            Files.deleteIfExists(service);
        }
        if (authfile != null) {
            Files.deleteIfExists(authfile);
        }
    }

    @Test
    void aFreshOtpLogsInOnce() throws Exception {
        String otp = key.otp(1, 0);
        Login first = login(otp);
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("successfully authenticated"), first.output());

        Login again = login(otp);
        assertNotEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("REPLAYED_OTP"), "refused as a replay, not for another reason: " + again.output());

        Login next = login(key.otp(1, 1));
        assertEquals(0, next.exitCode(), next.output());
    }

    @Test
    void anOtpMadeWithAnotherAesKeyIsRefused() throws Exception {
        Login wrong = login(key.withAesKey(VirtualYubiKey.bytes(16)).otp(1, 0));
        assertNotEquals(0, wrong.exitCode(), wrong.output());
        assertTrue(wrong.output().contains("BAD_OTP"), "refused by the appliance as a bad OTP: " + wrong.output());
        Login right = login(key.otp(1, 0));
        assertEquals(0, right.exitCode(), right.output());
    }

    record Login(int exitCode, String output) {
    }

    /** {@code pamtester -v SERVICE USER authenticate}, typing {@code typed} at the prompt. */
    Login login(String typed) throws IOException, InterruptedException {
        Path output = Files.createTempFile("pamtester", ".out");
        try {
            Process p = new ProcessBuilder(pamtester.toString(), "-v", service.getFileName().toString(), user, "authenticate")
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write((typed + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("pamtester did not finish within 60 s: " + Files.readString(output));
            }
            return new Login(p.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
