package org.otpappliance.tokenimport.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.appliance.it.Api;
import org.otpappliance.appliance.it.Appliance;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoOtpEncoder;

/**
 * The built tool ({@code java -jar target/token-import.jar}) against the real appliance (appliance-war's uber jar,
 * started as an operator starts it): a vendor's seed file imported and a YubiKey provisioned at the desk through
 * the real pcscd, then codes computed from what the token holds and validated through the appliance's REST API.
 * {@link CardEnrollTest} checks what the tool sends and writes in detail, against a fake; this checks that the
 * appliance takes it and that the token then works. Needs root, pcscd and vsmartcard-vpcd for the card tests (with
 * CI set they are required, elsewhere those tests are skipped).
 */
class ApplianceRoundTripIT {
    static final Path TOOL = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target/token-import.jar");
    /** RFC 4226 Appendix D's seed, which RFC 6030's examples carry. */
    static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    static final String FIGURE6_PSK = "12345678901234567890123456789012";
    static final long CARD_SERIAL = 23456789;

    @TempDir
    static Path dir;
    static Appliance appliance;
    static Api api;
    static Path adminKey;
    static VirtualYubiKey card;

    record Run(int exit, String output) {
    }

    @BeforeAll
    static void startAppliance() throws Exception {
        appliance = Appliance.start(dir.resolve("data"), Map.of());
        api = appliance.api();
        adminKey = secretFile("admin.key", appliance.adminKey() + "\n");
    }

    @AfterAll
    static void stopAppliance() throws Exception {
        if (card != null) {
            card.close();
        }
        if (appliance != null) {
            appliance.close();
        }
    }

    static Path secretFile(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** The tool as an admin runs it, pointed at the appliance; its output and error together. */
    static Run tool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", TOOL.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--server", appliance.base(), "--api-key-file", adminKey.toString()));
        Path output = Files.createTempFile(dir, "tool", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "token-import did not end within 120 s");
        Run run = new Run(p.exitValue(), Files.readString(output));
        System.out.println("token-import " + String.join(" ", args) + "\n" + run.output());
        return run;
    }

    static String validate(String user, String code) {
        Api.Reply r = api.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", code).build());
        assertEquals(200, r.status(), r.body());
        return r.json().getString("result");
    }

    @Test
    void aVendorSeedFileImportedWithTheToolValidatesThroughTheAppliance() throws Exception {
        Path pskc = dir.resolve("rfc6030-figure6.xml");
        try (InputStream in = ApplianceRoundTripIT.class.getResourceAsStream("/seedfile/rfc6030-figure6.xml")) {
            assertNotNull(in, "test resource seedfile/rfc6030-figure6.xml");
            Files.copy(in, pskc);
        }
        Path psk = secretFile("psk.hex", FIGURE6_PSK + "\n");
        Path users = dir.resolve("users.csv");
        Files.writeString(users, "987654321,ivan\n");

        Run first = tool("file", pskc.toString(), "--psk-file", psk.toString(), "--assign-users", users.toString());
        assertEquals(0, first.exit(), first.output());
        assertTrue(first.output().contains("imported                   1"), first.output());
        assertFalse(first.output().contains(FIGURE6_PSK), "the pre-shared key is not shown");

        String code0 = Hotp.code(RFC_SECRET, 0, 8, HashAlgorithm.SHA1);
        assertEquals("ACCEPT", validate("ivan", code0), "the token from the file, now ivan's");
        assertEquals("REJECT", validate("ivan", code0), "a code is accepted once");

        Run again = tool("file", pskc.toString(), "--psk-file", psk.toString(), "--assign-users", users.toString());
        assertEquals(0, again.exit(), again.output());
        assertTrue(again.output().contains("skipped (existing)         1"), again.output());
        assertEquals("REJECT", validate("ivan", code0), "running the file again did not reset the token's counter");
        assertEquals("ACCEPT", validate("ivan", Hotp.code(RFC_SECRET, 1, 8, HashAlgorithm.SHA1)));
    }

    @Test
    void aTotpYubiKeyEnrolledAtTheDeskValidatesThroughTheAppliance() throws Exception {
        card();
        Run r = tool("card", "enroll", "--reader", Pcscd.READER_0, "--user", "nina", "--type", "totp");
        assertEquals(0, r.exit(), r.output());

        long step = Totp.timeStep(System.currentTimeMillis() / 1000, 30);
        String shown = CardEnrollTest.calculateOnCard("otp-appliance:nina", step);
        assertEquals("ACCEPT", validate("nina", shown), "the code the key shows");
        assertEquals("REJECT", validate("nina", shown), "and only once");
    }

    @Test
    void aYubicoOtpYubiKeyEnrolledAtTheDeskValidatesThroughTheAppliance() throws Exception {
        VirtualYubiKey card = card();
        Run r = tool("card", "enroll", "--reader", Pcscd.READER_0, "--user", "olga", "--type", "yubico");
        assertEquals(0, r.exit(), r.output());

        // what the key types when touched, made from what its slot holds
        VirtualYubiKey.SlotConfig slot = card.slot(1);
        assertNotNull(slot, "slot 1 is configured");
        String publicId = Modhex.encode(slot.fixed());
        String first = YubicoOtpEncoder.otp(publicId, slot.key(), YubicoOtpEncoder.plaintext(slot.uid(), 1, 0x0100, 0, 0x1111));
        String second = YubicoOtpEncoder.otp(publicId, slot.key(), YubicoOtpEncoder.plaintext(slot.uid(), 1, 0x0200, 1, 0x2222));
        assertEquals("ACCEPT", validate("olga", first));
        assertEquals("REJECT", validate("olga", first), "a replayed OTP");
        assertEquals("ACCEPT", validate("olga", second), "the next touch");
    }

    @Test
    void whenTheApplianceRefusesTheTokenTheCardIsLeftAsItWas() throws Exception {
        Path csv = dir.resolve("taken.csv");
        Files.writeString(csv, "serial,seed,type,digits,counter-or-period\nYKOATH-taken,3132333435363738393031323334353637383930,hotp,6,0\n");
        Run imported = tool("file", csv.toString());
        assertEquals(0, imported.exit(), imported.output());

        VirtualYubiKey card = card();
        Run oath = tool("card", "enroll", "--reader", Pcscd.READER_0, "--user", "pete", "--type", "totp", "--serial", "YKOATH-taken");
        assertEquals(1, oath.exit(), oath.output());
        assertTrue(oath.output().contains("already has a token with serial YKOATH-taken"), oath.output());
        assertNull(card.credential("otp-appliance:pete"), "the credential was deleted again: " + card.credentials());

        Run otp = tool("card", "enroll", "--reader", Pcscd.READER_0, "--user", "pete", "--type", "yubico", "--slot", "2",
                "--serial", "YKOATH-taken");
        assertEquals(1, otp.exit(), otp.output());
        assertNull(card.slot(2), "the OTP slot was erased again");
        assertEquals("REJECT", validate("pete", Hotp.code(RFC_SECRET, 0, 6, HashAlgorithm.SHA1)), "pete got no token");
    }

    /**
     * The virtual YubiKey in the first reader of the shared pcscd, put in on first use and left there (each test
     * uses its own credential name or OTP slot); skips the test without pcscd, outside CI.
     */
    static synchronized VirtualYubiKey card() throws Exception {
        if (card == null) {
            Pcscd pcscd = Pcscd.sharedOrSkip();
            card = new VirtualYubiKey(CARD_SERIAL).insertInto(pcscd.port);
            CardEnrollTest.waitForCard(Pcscd.READER_0);
        }
        return card;
    }
}
