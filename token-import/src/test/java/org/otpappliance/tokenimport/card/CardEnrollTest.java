package org.otpappliance.tokenimport.card;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtp;
import org.otpappliance.otp.yubico.YubicoOtpBlock;
import org.otpappliance.otp.yubico.YubicoOtpEncoder;
import org.otpappliance.tokenimport.TestTls;
import org.otpappliance.tokenimport.TokenImport;
import picocli.CommandLine;

/**
 * {@code token-import card list|enroll} through a real PC/SC stack: a private pcscd with Debian's vsmartcard vpcd
 * reader driver ({@link Pcscd#shared() shared} by the test classes), and {@link VirtualYubiKey virtual YubiKeys}
 * plugged into it over TCP. The tool runs in-process and talks to pcscd through javax.smartcardio; the appliance is
 * {@link FakeAppliance a fake} on loopback.
 * Needs root, pcscd and vsmartcard-vpcd: with CI set they are required, elsewhere the tests are skipped.
 */
class CardEnrollTest {
    static final long SERIAL = 12345678;
    static final String READER = Pcscd.READER_0;
    static final String LOCKED_READER = Pcscd.READER_1;

    @TempDir
    static Path dir;
    static Pcscd pcscd;
    static VirtualYubiKey card;
    static VirtualYubiKey lockedCard;
    static Path keyFile;

    record Result(int exit, String out, String err) {
        String all() {
            return out + "\n" + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void startPcscd() throws Exception {
        pcscd = Pcscd.sharedOrSkip();
        card = new VirtualYubiKey(SERIAL).insertInto(pcscd.port);
        lockedCard = new VirtualYubiKey(87654321).passwordProtected(true).insertInto(pcscd.port + 1);
        waitForCard(READER);
        waitForCard(LOCKED_READER);
        keyFile = dir.resolve("admin.key");
        Files.writeString(keyFile, FakeAppliance.ADMIN_KEY + "\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterAll
    static void removeCards() throws Exception {
        if (card != null) {
            card.close();
        }
        if (lockedCard != null) {
            lockedCard.close();
        }
    }

    static void waitForCard(String reader) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            for (SmartCards.Reader r : CardTransport.open().readers()) {
                if (r.name().equals(reader) && r.cardPresent()) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        fail("the virtual card did not show up in \"" + reader + "\"; pcscd log:\n" + Files.readString(pcscd.log));
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TokenImport.commandLine(new TokenImport.Terminal(false, Duration.ofSeconds(5)));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static Result enroll(FakeAppliance appliance, String... more) {
        String[] base = {"card", "enroll", "--reader", READER, "--server", appliance.base(), "--api-key-file", keyFile.toString()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    /** CALCULATE through pcscd, as an authenticator app asks the card: the code it shows. */
    static String calculateOnCard(String name, Long timeStep) throws Exception {
        try (CardConnection c = CardTransport.open().connect(READER)) {
            assertTrue(c.select(Ykoath.AID).ok());
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            Tlv.write(data, 0x71, name.getBytes(StandardCharsets.UTF_8));
            if (timeStep != null) {
                Tlv.write(data, 0x74, ByteBuffer.allocate(8).putLong(timeStep).array());
            }
            Apdu.Response r = c.transmit(Apdu.command(0x00, 0xA2, 0x00, 0x01, data.toByteArray()));
            assertEquals(0x9000, r.sw(), "CALCULATE status");
            byte[] v = Tlv.find(Tlv.parse(r.data()), 0x76);
            int digits = v[0];
            int value = ByteBuffer.wrap(v, 1, 4).getInt();
            return String.format("%0" + digits + "d", value % (int) Math.pow(10, digits));
        }
    }

    static void assertNoSecret(Result r, byte[] secret) {
        String text = r.all().toLowerCase(Locale.ROOT);
        assertFalse(text.contains(Base32.encode(secret).toLowerCase(Locale.ROOT)), "the seed (Base32) appears:\n" + r);
        assertFalse(text.contains(HexFormat.of().formatHex(secret)), "the seed (hex) appears:\n" + r);
    }

    @Test
    void listShowsTheReadersTheYubiKeyAndItsApplications() {
        Result r = run("card", "list");
        System.out.println("card list:\n" + r.out());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("reader \"" + READER + "\""), r.toString());
        assertTrue(r.out().contains("ATR " + HexFormat.of().withUpperCase().formatHex(VirtualYubiKey.ATR)), r.toString());
        assertTrue(r.out().contains("YubiKey, serial " + SERIAL + ", firmware 5.4.3"), r.toString());
        assertTrue(r.out().contains("OATH application: version 5.4.3"), r.toString());
        assertTrue(r.out().contains("OTP application: answers"), r.toString());
        assertTrue(r.out().contains("reader \"" + LOCKED_READER + "\""), r.toString());
        assertTrue(r.out().contains("password protected"), r.toString());
    }

    @Test
    void enrollsATotpCredentialThatTheApplianceAndTheCardAgreeOn() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = enroll(appliance, "--user", "alice", "--type", "totp");
            System.out.println("card enroll (TOTP):\n" + r);
            assertEquals(0, r.exit(), r.toString());
            JsonObject token = appliance.tokens.get("YKOATH-" + SERIAL);
            assertNotNull(token, "registered as YKOATH-<serial>: " + appliance.tokens.keySet());
            assertEquals("totp", token.getString("type"));
            assertEquals("alice", token.getString("user"));
            assertEquals("SHA1", token.getString("algorithm"));
            assertEquals(6, token.getInt("digits"));
            assertEquals(30, token.getInt("period"));
            byte[] secret = Base32.decode(token.getString("secret"));
            assertEquals(20, secret.length);

            VirtualYubiKey.Credential stored = card.credential("otp-appliance:alice");
            assertNotNull(stored, "the credential is on the card: " + card.credentials());
            assertArrayEquals(secret, stored.key(), "the card holds the seed the appliance got");
            assertEquals(0x21, stored.typeAlgorithm());
            long step = Totp.timeStep(System.currentTimeMillis() / 1000, 30);
            String onCard = calculateOnCard("otp-appliance:alice", step);
            assertEquals(Hotp.code(secret, step, 6, HashAlgorithm.SHA1), onCard, "the card's code = the appliance's code");
            assertNoSecret(r, secret);
        }
    }

    @Test
    void enrollsAnHotpSha256EightDigitCredential() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = enroll(appliance, "--user", "bob", "--type", "hotp", "--algorithm", "SHA256", "--digits", "8",
                    "--name", "corp:bob", "--serial", "YKOATH-" + SERIAL + "-bob");
            System.out.println("card enroll (HOTP):\n" + r);
            assertEquals(0, r.exit(), r.toString());
            JsonObject token = appliance.tokens.get("YKOATH-" + SERIAL + "-bob");
            assertNotNull(token, appliance.tokens.keySet().toString());
            assertEquals(0, token.getInt("counter"));
            byte[] secret = Base32.decode(token.getString("secret"));
            assertEquals(32, secret.length);
            assertArrayEquals(secret, card.credential("corp:bob").key());
            assertEquals(0x12, card.credential("corp:bob").typeAlgorithm());
            assertEquals(Hotp.code(secret, 0, 8, HashAlgorithm.SHA256), calculateOnCard("corp:bob", null));
            assertEquals(Hotp.code(secret, 1, 8, HashAlgorithm.SHA256), calculateOnCard("corp:bob", null));
            assertNoSecret(r, secret);
        }
    }

    @Test
    void aTotpPeriodOtherThan30IsInTheNameAsYkmanWritesIt() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = enroll(appliance, "--user", "dora", "--type", "totp", "--period", "60", "--algorithm", "SHA512",
                    "--serial", "YKOATH-dora");
            assertEquals(0, r.exit(), r.toString());
            byte[] secret = Base32.decode(appliance.tokens.get("YKOATH-dora").getString("secret"));
            assertEquals(64, secret.length);
            assertEquals(60, appliance.tokens.get("YKOATH-dora").getInt("period"));
            long step = Totp.timeStep(System.currentTimeMillis() / 1000, 60);
            assertEquals(Hotp.code(secret, step, 6, HashAlgorithm.SHA512), calculateOnCard("60/otp-appliance:dora", step));
        }
    }

    @Test
    void whenTheApplianceFailsTheCredentialIsDeletedAgain() {
        try (FakeAppliance appliance = new FakeAppliance()) {
            appliance.forcedStatus = 500;
            Result r = enroll(appliance, "--user", "carol", "--type", "totp", "--serial", "YKOATH-carol");
            System.out.println("card enroll, appliance answers 500:\n" + r);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("HTTP 500"), r.toString());
            assertTrue(r.err().contains("deleted from the card again"), r.toString());
            assertNull(card.credential("otp-appliance:carol"), "rolled back: " + card.credentials());
            assertTrue(appliance.tokens.isEmpty());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSerialTheApplianceAlreadyHasIsRolledBackUnlessReplace() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            appliance.tokens.put("YKOATH-erin", jakarta.json.Json.createObjectBuilder().add("serial", "YKOATH-erin").build());
            Result r = enroll(appliance, "--user", "erin", "--type", "totp", "--serial", "YKOATH-erin");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("already has a token with serial YKOATH-erin"), r.toString());
            assertTrue(r.err().contains("--replace"), r.toString());
            assertNull(card.credential("otp-appliance:erin"));

            Result replaced = enroll(appliance, "--user", "erin", "--type", "totp", "--serial", "YKOATH-erin", "--replace");
            assertEquals(0, replaced.exit(), replaced.toString());
            assertTrue(replaced.out().contains("(replaced)"), replaced.toString());
            assertArrayEquals(Base32.decode(appliance.tokens.get("YKOATH-erin").getString("secret")),
                    card.credential("otp-appliance:erin").key());
        }
    }

    @Test
    void anExistingCredentialOfTheSameNameIsLeftAloneAndNothingIsWritten() throws Exception {
        byte[] theirs = new byte[20];
        card.store(new VirtualYubiKey.Credential("otp-appliance:frank", 0x21, 6, theirs, 0));
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = enroll(appliance, "--user", "frank", "--type", "totp", "--serial", "YKOATH-frank");
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("already holds a credential named \"otp-appliance:frank\""), r.toString());
            assertArrayEquals(theirs, card.credential("otp-appliance:frank").key());
            assertTrue(appliance.tokens.isEmpty());
        }
    }

    @Test
    void aPasswordProtectedOathApplicationIsRefusedClearly() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = run("card", "enroll", "--reader", "00 01", "--user", "gina", "--type", "totp",
                    "--server", appliance.base(), "--api-key-file", keyFile.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains(Ykoath.PROTECTED), r.toString());
            assertTrue(lockedCard.credentials().isEmpty());
            assertTrue(appliance.tokens.isEmpty());
        }
    }

    @Test
    void anUnknownReaderIsNamedWithTheReadersThereAre() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = run("card", "enroll", "--reader", "Nonexistent", "--user", "h", "--type", "totp",
                    "--server", appliance.base(), "--api-key-file", keyFile.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("no reader matches \"Nonexistent\""), r.toString());
            assertTrue(r.err().contains(READER), r.toString());
        }
    }

    @Test
    void theApiKeyFileAndTheServerUrlAreCheckedAsForFileImports() throws Exception {
        Path open = dir.resolve("open.key");
        Files.writeString(open, FakeAppliance.ADMIN_KEY + "\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = run("card", "enroll", "--reader", READER, "--user", "ivan", "--type", "totp",
                    "--server", appliance.base(), "--api-key-file", open.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("permissions 0644 for '" + open + "' (--api-key-file) are too open"), r.toString());
            assertFalse(r.all().contains(FakeAppliance.ADMIN_KEY), r.toString());
            assertNull(card.credential("otp-appliance:ivan"), "nothing written: " + card.credentials());

            r = run("card", "enroll", "--reader", READER, "--user", "ivan", "--type", "totp",
                    "--server", "ftp://example.org", "--api-key-file", keyFile.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("--server: not an http:// or https:// URL with a host"), r.toString());
            assertTrue(appliance.tokens.isEmpty());
        }
    }

    @Test
    void overHttpsTheApplianceIsVerifiedAgainstTheTrustStore() throws Exception {
        TestTls tls = TestTls.create(Files.createDirectories(dir.resolve("tls")));
        try (FakeAppliance appliance = new FakeAppliance(tls.serverContext())) {
            Result refused = enroll(appliance, "--user", "judy", "--type", "totp", "--serial", "YKOATH-judy");
            assertEquals(1, refused.exit(), "a self-signed certificate is not trusted by default: " + refused);
            assertNull(card.credential("otp-appliance:judy"), "rolled back: " + card.credentials());

            Result r = enroll(appliance, "--user", "judy", "--type", "totp", "--serial", "YKOATH-judy",
                    "--truststore", tls.pem.toString());
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("registered with " + appliance.base()), r.toString());
            assertArrayEquals(Base32.decode(appliance.tokens.get("YKOATH-judy").getString("secret")),
                    card.credential("otp-appliance:judy").key());
        }
    }

    @Test
    void enrollsAYubicoOtpCredentialIntoSlot1ThatTheApplianceCanVerify() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = enroll(appliance, "--user", "kate", "--type", "yubico");
            System.out.println("card enroll (yubico):\n" + r);
            assertEquals(0, r.exit(), r.toString());
            JsonObject token = appliance.tokens.get("YKOTP-" + SERIAL);
            assertNotNull(token, "registered as YKOTP-<serial>: " + appliance.tokens.keySet());
            assertEquals("yubico", token.getString("type"));
            assertEquals("kate", token.getString("user"));
            String publicId = "vv" + Modhex.encode(ByteBuffer.allocate(4).putInt((int) SERIAL).array());
            assertEquals(publicId, token.getString("publicId"));
            byte[] privateId = HexFormat.of().parseHex(token.getString("privateId"));
            byte[] aesKey = HexFormat.of().parseHex(token.getString("aesKey"));
            assertEquals(6, privateId.length);
            assertEquals(16, aesKey.length);

            VirtualYubiKey.SlotConfig stored = card.slot(1);
            assertNotNull(stored, "slot 1 is configured");
            assertArrayEquals(Modhex.decode(publicId), stored.fixed(), "the card's public id");
            assertArrayEquals(privateId, stored.uid(), "the card holds the private id the appliance got");
            assertArrayEquals(aesKey, stored.key(), "the card holds the AES key the appliance got");
            assertArrayEquals(new byte[6], stored.accCode());
            assertEquals(0x20, stored.tktFlags(), "APPEND_CR");
            assertEquals(0x04, stored.extFlags(), "SERIAL_API_VISIBLE");
            assertEquals(0, stored.cfgFlags());
            assertNull(card.slot(2));

            // what the key would type, built from what the card holds; the appliance's key decrypts it
            String typed = YubicoOtpEncoder.otp(Modhex.encode(stored.fixed()), stored.key(),
                    YubicoOtpEncoder.plaintext(stored.uid(), 1, 0x123456, 0, 0x4242));
            YubicoOtp otp = YubicoOtp.parse(typed).orElseThrow();
            assertEquals(token.getString("publicId"), otp.publicId());
            YubicoOtpBlock block = new YubicoKey(aesKey).decrypt(otp).orElseThrow(() -> new AssertionError("no decrypt"));
            assertTrue(block.privateIdMatches(privateId));
            assertEquals(1, block.usageCounter());
            assertNoSecret(r, aesKey);
            assertNoSecret(r, privateId);

            Result again = enroll(appliance, "--user", "kate", "--type", "yubico", "--serial", "YKOTP-kate2");
            assertEquals(2, again.exit(), "slot 1 is taken now: " + again);
            assertTrue(again.err().contains("already holds a configuration"), again.toString());
            assertArrayEquals(aesKey, card.slot(1).key(), "left alone");
            assertNull(appliance.tokens.get("YKOTP-kate2"));
        } finally {
            card.configureSlot(1, null);
        }
    }

    @Test
    void aGivenPublicIdGoesIntoSlot2() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Result r = enroll(appliance, "--user", "leo", "--type", "yubico", "--slot", "2", "--public-id", "CCCCBCDE",
                    "--serial", "YKOTP-leo");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("ccccbcde", appliance.tokens.get("YKOTP-leo").getString("publicId"));
            assertArrayEquals(Modhex.decode("ccccbcde"), card.slot(2).fixed());
            assertArrayEquals(HexFormat.of().parseHex(appliance.tokens.get("YKOTP-leo").getString("aesKey")),
                    card.slot(2).key());
            assertNull(card.slot(1));

            Result bad = enroll(appliance, "--user", "leo", "--type", "yubico", "--public-id", "xyz1");
            assertEquals(2, bad.exit(), bad.toString());
            assertTrue(bad.err().contains("--public-id must be"), bad.toString());
        } finally {
            card.configureSlot(2, null);
        }
    }

    @Test
    void whenTheApplianceFailsTheOtpSlotIsErasedAgain() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            appliance.forcedStatus = 500;
            Result r = enroll(appliance, "--user", "mia", "--type", "yubico", "--slot", "2", "--serial", "YKOTP-mia");
            System.out.println("card enroll yubico, appliance answers 500:\n" + r);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("HTTP 500"), r.toString());
            assertTrue(r.err().contains("OTP slot 2 was erased again"), r.toString());
            assertNull(card.slot(2), "rolled back");
            assertTrue(appliance.tokens.isEmpty());
        } finally {
            card.configureSlot(2, null);
        }
    }
}
