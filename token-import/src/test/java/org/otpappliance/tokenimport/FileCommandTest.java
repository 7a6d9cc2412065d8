package org.otpappliance.tokenimport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.seedfile.GeneratedSeedFiles;
import org.otpappliance.otp.seedfile.SeedRecord;

/**
 * {@code token-import file} end to end, in-process, against a real HTTP server on loopback playing the appliance
 * ({@link FakeAppliance}): what is sent, in which batches, what is reported, the exit status, and that no secret
 * ever reaches the output.
 */
class FileCommandTest {
    /** RFC 6030 figures 6 and 7: the secret "12345678901234567890" in its forms, the PSK, the password. */
    static final String RFC_SECRET_HEX = "3132333435363738393031323334353637383930";
    static final String RFC_SECRET_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    static final String RFC_SECRET_BASE64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=";
    static final String FIGURE6_PSK = "12345678901234567890123456789012";
    static final String FIGURE7_PASSWORD = "qwerty";

    @TempDir
    Path dir;
    FakeAppliance appliance;
    Path apiKey;

    @BeforeEach
    void start() throws IOException {
        appliance = FakeAppliance.start();
        apiKey = Cli.keyFile(dir, "admin.key", FakeAppliance.ADMIN_KEY + "\n");
    }

    @AfterEach
    void stop() {
        appliance.close();
    }

    private List<String> args(Path file, String... more) {
        List<String> a = new ArrayList<>(List.of("file", file.toString(), "--server", appliance.base().toString(),
                "--api-key-file", apiKey.toString()));
        a.addAll(List.of(more));
        return a;
    }

    private Cli.Result run(Path file, String... more) {
        return Cli.run(args(file, more).toArray(String[]::new));
    }

    private Path cleanCsv() throws IOException {
        Path csv = dir.resolve("tokens.csv");
        Files.writeString(csv, "serial,seed,type,digits,counter-or-period,user\n"
                + "T1,00112233445566778899aabbccddeeff00112233,totp,6,30\n"
                + "T2,0102030405060708090a0b0c0d0e0f1011121314,hotp,8,5,zoe\n"
                + "T3,a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3,totp,8,60\n");
        return csv;
    }

    private static final String[] CLEAN_CSV_SECRETS = {
        "00112233445566778899aabbccddeeff00112233", Base32.encode(HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233")),
        "0102030405060708090a0b0c0d0e0f1011121314", Base32.encode(HexFormat.of().parseHex("0102030405060708090a0b0c0d0e0f1011121314")),
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3", Base32.encode(HexFormat.of().parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3")),
    };

    @Test
    void pskcWithPreSharedKeyFile() throws IOException {
        Path pskc = Cli.fixture(dir, "rfc6030-figure6.xml");
        Path psk = Cli.keyFile(dir, "psk.hex", "1234 5678 9012 3456\n7890 1234 5678 9012\n");

        Cli.Result r = run(pskc, "--psk-file", psk.toString());

        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, appliance.requests.size());
        FakeAppliance.Request req = appliance.requests.get(0);
        assertEquals("POST", req.method());
        assertEquals("/api/v1/tokens/import", req.path());
        assertEquals("Bearer " + FakeAppliance.ADMIN_KEY, req.authorization());
        assertEquals("application/json", req.contentType());
        assertFalse(req.body().getBoolean("replace"));
        assertFalse(req.body().getBoolean("dryRun"));
        JsonObject t = req.tokens().get(0);
        assertEquals("987654321", t.getString("serial"));
        assertEquals("hotp", t.getString("type"));
        assertEquals(RFC_SECRET_BASE32, t.getString("secret"));
        assertEquals("SHA1", t.getString("algorithm"));
        assertEquals(8, t.getInt("digits"));
        assertEquals(0, t.getInt("counter"));
        assertFalse(t.containsKey("period"));
        assertFalse(t.containsKey("user"));
        assertTrue(r.out().contains("imported                   1"), r.out());
        r.assertNoSecrets(RFC_SECRET_HEX, RFC_SECRET_BASE32, RFC_SECRET_BASE64, FIGURE6_PSK, FakeAppliance.ADMIN_KEY);
    }

    @Test
    void pskcWithPasswordFile() throws IOException {
        Path pskc = Cli.fixture(dir, "rfc6030-figure7.xml");
        Path password = Cli.keyFile(dir, "password", FIGURE7_PASSWORD + "\n");

        Cli.Result r = run(pskc, "--password-file", password.toString());

        assertEquals(0, r.exit(), r.toString());
        JsonObject t = appliance.allTokensSent().get(0);
        assertEquals("987654321", t.getString("serial"));
        assertEquals(RFC_SECRET_BASE32, t.getString("secret"));
        assertEquals(8, t.getInt("digits"));
        r.assertNoSecrets(RFC_SECRET_HEX, RFC_SECRET_BASE32, RFC_SECRET_BASE64, FIGURE7_PASSWORD);
    }

    @Test
    void aDirectoryNameInTheFileIsNoUser() throws IOException {
        Cli.Result r = run(Cli.fixture(dir, "rfc6030-figure3.xml"));

        assertEquals(0, r.exit(), r.toString());
        JsonObject t = appliance.allTokensSent().get(0);
        assertFalse(t.containsKey("user"), t.toString()); // UID=jsmith,DC=example-bank,DC=net
        assertTrue(r.out().contains("not a plain user name"), r.out());
        assertTrue(r.out().contains("first: serial 987654321"), r.out());
    }

    @Test
    void wrongPreSharedKeyFailsTheKeyNotTheRun() throws IOException {
        Path psk = Cli.keyFile(dir, "psk.hex", "00000000000000000000000000000000");
        Cli.Result r = run(Cli.fixture(dir, "rfc6030-figure6.xml"), "--psk-file", psk.toString());

        assertEquals(1, r.exit(), r.toString());
        assertTrue(appliance.requests.isEmpty());
        assertTrue(r.out().contains("KeyPackage 1"), r.out());
        r.assertNoSecrets(RFC_SECRET_HEX, RFC_SECRET_BASE32, FIGURE6_PSK);
    }

    @Test
    void oathCsvFieldsBadLinesAndRefusedTokens() throws IOException {
        Path csv = Cli.fixture(dir, "oath.csv"); // no --format: the header tells
        appliance.refuse.put("OATH0002", "user alice is disabled");

        Cli.Result r = run(csv);

        assertEquals(1, r.exit(), r.toString());
        List<JsonObject> sent = appliance.allTokensSent();
        assertEquals(List.of("OATH0001", "OATH0002", "OATH0006", "OATH0008"),
                sent.stream().map(t -> t.getString("serial")).toList());
        JsonObject hotp = sent.get(0);
        assertEquals("hotp", hotp.getString("type"));
        assertEquals(RFC_SECRET_BASE32, hotp.getString("secret"));
        assertEquals("SHA1", hotp.getString("algorithm"));
        assertEquals(6, hotp.getInt("digits"));
        assertEquals(0, hotp.getInt("counter"));
        assertFalse(hotp.containsKey("user"));
        JsonObject totp = sent.get(1);
        assertEquals("totp", totp.getString("type"));
        assertEquals(8, totp.getInt("digits"));
        assertEquals(30, totp.getInt("period"));
        assertFalse(totp.containsKey("counter"));
        assertEquals("alice", totp.getString("user"));
        assertEquals(42, sent.get(2).getInt("counter"));
        assertFalse(sent.get(2).containsKey("user")); // "Bob, Jr." has a comma: not a plain user name
        assertEquals("carol", sent.get(3).getString("user"));
        assertEquals(60, sent.get(3).getInt("period"));

        String out = r.out();
        assertTrue(out.contains("imported                   3"), out);
        assertTrue(out.contains("failed                     6"), out);
        assertTrue(out.contains("serial OATH0002: user alice is disabled"), out);
        for (String line : List.of("line 6: bad hex in the secret", "line 7: missing field", "line 8: unknown type",
                "line 10: bad digits", "line 11: missing field: serial")) {
            assertTrue(out.contains(line), line + " in\n" + out);
        }
        r.assertNoSecrets(RFC_SECRET_HEX, RFC_SECRET_BASE32, "31323334353637383930313233343536373839zz");
    }

    @Test
    void yubikeyLogYubicoFormat() throws IOException {
        Path csv = Cli.fixture(dir, "yubikey-yubico.csv"); // no --format: recognised from the rows
        Cli.Result r = run(csv, "--yubikey-hotp-digits", "8", "--batch-size", "2");

        assertEquals(1, r.exit(), r.toString()); // three rows of the fixture are bad
        // The key logged twice (slot 1 Yubico OTP, slot 2 OATH-HOTP) closes the first batch early.
        assertEquals(List.of(1, 2, 1), appliance.requests.stream().map(q -> q.tokens().size()).toList());
        List<JsonObject> sent = appliance.allTokensSent();
        assertEquals(List.of("508326", "508326", "1382042", "YKvvcccbhkfnjk"),
                sent.stream().map(t -> t.getString("serial")).toList());
        JsonObject yubico = sent.get(0);
        assertEquals("yubico", yubico.getString("type"));
        assertEquals("vvcccbhkfnji", yubico.getString("publicId"));
        assertEquals("27d4e1ed8867", yubico.getString("privateId"));
        assertEquals("db902c544973979d1e0b830882f0fda5", yubico.getString("aesKey"));
        assertFalse(yubico.containsKey("secret"));
        JsonObject hotp = sent.get(2);
        assertEquals("hotp", hotp.getString("type"));
        assertEquals(8, hotp.getInt("digits"));
        assertEquals(16, hotp.getInt("counter"));
        assertEquals(Base32.encode(HexFormat.of().parseHex("a472c199baa1e33ac64541030afcea4a1ffc4935")), hotp.getString("secret"));

        String out = r.out();
        assertTrue(out.contains("imported                   3"), out);
        assertTrue(out.contains("skipped (existing)         1"), out); // the second 508326
        assertTrue(out.contains("failed                     3"), out);
        assertTrue(out.contains("line 4: unsupported configuration"), out);
        r.assertNoSecrets("db902c544973979d1e0b830882f0fda5", "27d4e1ed8867",
                "265f4ad030e0264f7b695f1eef5b4deb4677e98d", Base32.encode(HexFormat.of().parseHex("265f4ad030e0264f7b695f1eef5b4deb4677e98d")),
                "a472c199baa1e33ac64541030afcea4a1ffc4935", hotp.getString("secret"),
                "a9c77fee3b4a", "7e8b9996b64071bba93c88c71ed1d700", "c363e58e62f15f5b1e771a913f47d539",
                "853bd8cf91bedaf3a4de93cbb51efea3a05a52a8", "71b2f6bcc674a90ff1c11281ff1b04");
    }

    @Test
    void yubikeyLogTraditionalFormat() throws IOException {
        Cli.Result r = run(Cli.fixture(dir, "yubikey-traditional.csv"));

        assertEquals(1, r.exit(), r.toString());
        List<JsonObject> sent = appliance.allTokensSent();
        assertEquals("YKvvcccbhkfnji", sent.get(0).getString("serial"));
        assertEquals("yubico", sent.get(0).getString("type"));
        assertEquals("YKubhecbdefghi", sent.get(1).getString("serial"));
        assertEquals("hotp", sent.get(1).getString("type"));
        assertEquals(6, sent.get(1).getInt("digits"));
        r.assertNoSecrets("db902c544973979d1e0b830882f0fda5", "27d4e1ed8867", "265f4ad030e0264f7b695f1eef5b4deb4677e98d");
    }

    @Test
    void assignUsersOverridesTheFileAndWarnsAboutUnknownSerials() throws IOException {
        Path users = dir.resolve("users.csv");
        Files.writeString(users, "# who gets which token\nserial,username\n\nT1,dave\nT2 , erin\nNOPE42,frank\n");

        Cli.Result r = run(cleanCsv(), "--assign-users", users.toString());

        assertEquals(0, r.exit(), r.toString());
        List<JsonObject> sent = appliance.allTokensSent();
        assertEquals("dave", sent.get(0).getString("user"));
        assertEquals("erin", sent.get(1).getString("user")); // over the file's "zoe"
        assertFalse(sent.get(2).containsKey("user"));
        assertTrue(r.out().contains("users.csv line 6: serial NOPE42 is not in the seed file"), r.out());
    }

    @Test
    void assignUsersFileWithABadLineIsAnError() throws IOException {
        Path users = dir.resolve("users.csv");
        Files.writeString(users, "T1,dave,extra\n");
        Cli.Result r = run(cleanCsv(), "--assign-users", users.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("line 1: expected serial,username"), r.err());
        assertTrue(appliance.requests.isEmpty());
    }

    @Test
    void dryRunThenImportThenRerunThenReplace() throws IOException {
        Path csv = cleanCsv();

        Cli.Result dry = run(csv, "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(appliance.requests.get(0).body().getBoolean("dryRun"));
        assertFalse(appliance.requests.get(0).body().getBoolean("replace"));
        assertTrue(appliance.tokens.isEmpty());
        assertTrue(dry.out().startsWith("Dry run"), dry.out());

        Cli.Result first = run(csv);
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.out().contains("imported                   3"), first.out());
        assertEquals(3, appliance.tokens.size());

        Cli.Result again = run(csv); // safe: the appliance skips the serials it has
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("skipped (existing)         3"), again.out());
        assertTrue(again.out().contains("imported                   0"), again.out());

        Cli.Result replace = run(csv, "--replace");
        assertEquals(0, replace.exit(), replace.toString());
        FakeAppliance.Request last = appliance.requests.get(appliance.requests.size() - 1);
        assertTrue(last.body().getBoolean("replace"));
        assertFalse(last.body().getBoolean("dryRun"));
        assertTrue(replace.out().contains("replaced                   3"), replace.out());
        for (Cli.Result r : List.of(dry, first, again, replace)) {
            r.assertNoSecrets(CLEAN_CSV_SECRETS);
        }
    }

    @Test
    void tenThousandKeysStreamInBatches() throws IOException {
        byte[] psk = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        Path pskc = dir.resolve("big.pskc");
        GeneratedSeedFiles.writePskc(pskc, psk, 10_000);
        Path pskFile = Cli.keyFile(dir, "big.psk", HexFormat.of().formatHex(psk));

        Cli.Result r = Cli.run(new TokenImport.Terminal(false, Duration.ZERO),
                args(pskc, "--psk-file", pskFile.toString(), "--batch-size", "250").toArray(String[]::new));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(40, appliance.requests.size());
        assertTrue(appliance.requests.stream().allMatch(q -> q.tokens().size() == 250));
        List<JsonObject> sent = appliance.allTokensSent();
        for (int i = 0; i < 10_000; i++) {
            SeedRecord expected = GeneratedSeedFiles.record(i);
            JsonObject t = sent.get(i);
            assertEquals(expected.serial(), t.getString("serial"));
            assertEquals(expected.type().wireName(), t.getString("type"));
            assertEquals(Base32.encode(expected.secret()), t.getString("secret"));
            assertEquals(expected.digits(), t.getInt("digits"));
            assertEquals(expected.userId(), t.getString("user", null));
        }
        assertEquals(10_000, appliance.tokens.size());
        assertTrue(r.out().contains("imported               10000"), r.out());
        long progressLines = r.err().lines().filter(l -> l.startsWith("read ")).count();
        assertTrue(progressLines >= 40, r.err());
        assertTrue(r.err().contains("imported 10000 | replaced 0 | skipped 0 | failed 0 |"), r.err());
        assertFalse(r.err().contains("\r"));
        r.assertNoSecrets(HexFormat.of().formatHex(psk), Base32.encode(GeneratedSeedFiles.record(0).secret()),
                Base32.encode(GeneratedSeedFiles.record(9_999).secret()),
                HexFormat.of().formatHex(GeneratedSeedFiles.record(4_321).secret()));
    }

    @Test
    void progressIsRewrittenInPlaceOnATerminal() throws IOException {
        Cli.Result r = Cli.run(new TokenImport.Terminal(true, Duration.ZERO),
                args(cleanCsv(), "--batch-size", "1").toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("\rread "), r.err());
        assertTrue(r.err().endsWith("\n"), r.err());
        assertEquals(1, r.err().chars().filter(c -> c == '\n').count(), r.err()); // one line, rewritten in place
    }

    @Test
    void badApiKeyIsExit2() throws IOException {
        Path wrong = Cli.keyFile(dir, "wrong.key", "not-the-key\n");
        Cli.Result r = Cli.run("file", cleanCsv().toString(), "--server", appliance.base().toString(),
                "--api-key-file", wrong.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("refused the API key from " + wrong + " (HTTP 401)"), r.err());
        r.assertNoSecrets("not-the-key");
        r.assertNoSecrets(CLEAN_CSV_SECRETS);

        Path validate = Cli.keyFile(dir, "validate.key", FakeAppliance.VALIDATE_KEY);
        r = Cli.run("file", cleanCsv().toString(), "--server", appliance.base().toString(),
                "--api-key-file", validate.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("not an admin key (HTTP 403)"), r.err());
        r.assertNoSecrets(FakeAppliance.VALIDATE_KEY);
        assertTrue(appliance.tokens.isEmpty());
    }

    @Test
    void serverDownIsExit2() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Cli.Result r = Cli.run("file", cleanCsv().toString(), "--server", "http://127.0.0.1:" + port,
                "--api-key-file", apiKey.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot reach the appliance at http://127.0.0.1:" + port), r.err());
        r.assertNoSecrets(CLEAN_CSV_SECRETS);
        r.assertNoSecrets(FakeAppliance.ADMIN_KEY);
    }

    @Test
    void aBatchRefusedAsAWholeStopsTheRunWithExit2() throws IOException {
        appliance.forcedStatus = 413;
        Cli.Result r = run(cleanCsv(), "--batch-size", "1000");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("HTTP 413"), r.err());
        assertTrue(r.err().contains("smaller --batch-size"), r.err());

        appliance.forcedStatus = 500;
        r = run(cleanCsv());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("HTTP 500: forced: the test asked for HTTP 500"), r.err());
        assertTrue(r.out().contains("not imported (stopped)     3"), r.out());
    }

    @Test
    void anOutageMidwayStopsAndTheRerunFinishes() throws IOException {
        Path csv = cleanCsv();
        Cli.Result first;
        // The first batch goes in; then the appliance goes away.
        FakeAppliance.Outage outage = appliance.failAfter(1, 503);
        try {
            first = run(csv, "--batch-size", "2");
        } finally {
            outage.close();
        }
        assertEquals(2, first.exit(), first.toString());
        assertTrue(first.out().contains("imported                   2"), first.out());
        assertTrue(first.err().contains("HTTP 503"), first.err());
        assertTrue(first.err().contains("run the same command again"), first.err());

        Cli.Result second = run(csv, "--batch-size", "2");
        assertEquals(0, second.exit(), second.toString());
        assertTrue(second.out().contains("skipped (existing)         2"), second.out());
        assertTrue(second.out().contains("imported                   1"), second.out());
        assertEquals(3, appliance.tokens.size());
    }

    @Test
    void keyFilesOthersCanReadAreRefused() throws IOException {
        Path csv = cleanCsv();
        Files.setPosixFilePermissions(apiKey, PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result r = run(csv);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("permissions 0644 for '" + apiKey + "' (--api-key-file) are too open"), r.err());
        r.assertNoSecrets(FakeAppliance.ADMIN_KEY);
        Files.setPosixFilePermissions(apiKey, PosixFilePermissions.fromString("rw-r-----"));

        Path pskc = Cli.fixture(dir, "rfc6030-figure6.xml");
        Path psk = Cli.keyFile(dir, "psk.hex", FIGURE6_PSK);
        Files.setPosixFilePermissions(psk, PosixFilePermissions.fromString("rw----r--"));
        r = run(pskc, "--psk-file", psk.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("(--psk-file) are too open"), r.err());
        r.assertNoSecrets(FIGURE6_PSK);

        Path password = Cli.keyFile(dir, "password", FIGURE7_PASSWORD);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-rw-rw-"));
        r = run(Cli.fixture(dir, "rfc6030-figure7.xml"), "--password-file", password.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("(--password-file) are too open"), r.err());
        r.assertNoSecrets(FIGURE7_PASSWORD);
        assertTrue(appliance.requests.isEmpty());
    }

    @Test
    void badKeyFilesAreNotEchoed() throws IOException {
        Path pskc = Cli.fixture(dir, "rfc6030-figure6.xml");
        Path notHex = Cli.keyFile(dir, "psk.txt", "s3cr3t-not-hex-PASSPHRASE");
        Cli.Result r = run(pskc, "--psk-file", notHex.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("does not hold a key in hex"), r.err());
        r.assertNoSecrets("s3cr3t-not-hex-PASSPHRASE");

        Path shortKey = Cli.keyFile(dir, "short.hex", "a1b2c3d4e5f6a7b8");
        r = run(pskc, "--psk-file", shortKey.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("holds a key of 8 bytes"), r.err());
        r.assertNoSecrets("a1b2c3d4e5f6a7b8");

        Path emptyKey = Cli.keyFile(dir, "empty.key", "\n");
        r = Cli.run("file", pskc.toString(), "--server", appliance.base().toString(), "--api-key-file", emptyKey.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("holds no API key"), r.err());
    }

    @Test
    void fileLevelErrorsAreExit2() throws IOException {
        // Encrypted values and no key: the whole file cannot be read.
        Cli.Result r = run(Cli.fixture(dir, "rfc6030-figure6.xml"));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot read " + dir.resolve("rfc6030-figure6.xml") + " as pskc: "), r.err());
        r.assertNoSecrets(RFC_SECRET_HEX, RFC_SECRET_BASE32);

        r = run(dir.resolve("missing.pskc"));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("no such file"), r.err());

        Path garbage = dir.resolve("tokens.txt");
        Files.writeString(garbage, "hello\nworld\n");
        r = run(garbage);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot tell the format of"), r.err());

        Path notXml = dir.resolve("broken.xml");
        Files.writeString(notXml, "this is not XML");
        r = run(notXml);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(appliance.requests.isEmpty());
    }

    @Test
    void usageErrorsAreExit2() throws IOException {
        Path csv = cleanCsv();
        Path psk = Cli.keyFile(dir, "psk.hex", FIGURE6_PSK);
        Path password = Cli.keyFile(dir, "password", FIGURE7_PASSWORD);
        List<List<String>> cases = List.of(
                List.of("file", csv.toString(), "--api-key-file", apiKey.toString()),
                args(csv, "--batch-size", "0"),
                args(csv, "--batch-size", "1001"),
                args(csv, "--format", "json"),
                args(csv, "--yubikey-hotp-digits", "7"),
                args(csv, "--psk-file", psk.toString()),
                args(Cli.fixture(dir, "rfc6030-figure6.xml"), "--psk-file", psk.toString(), "--password-file", password.toString()),
                args(csv, "--truststore-password-file", password.toString()),
                List.of("file", csv.toString(), "--server", "ftp://example.org", "--api-key-file", apiKey.toString()),
                List.of("file"),
                List.of("frobnicate"),
                List.of());
        for (List<String> a : cases) {
            Cli.Result r = Cli.run(a.toArray(String[]::new));
            assertEquals(2, r.exit(), a + "\n" + r);
            assertTrue(r.err().contains("Usage: token-import") || r.err().contains("Did you mean: token-import"), a + "\n" + r);
            r.assertNoSecrets(FIGURE6_PSK, FIGURE7_PASSWORD, FakeAppliance.ADMIN_KEY);
        }
        assertTrue(appliance.requests.isEmpty());
    }

    @Test
    void explicitFormatWins() throws IOException {
        Path odd = dir.resolve("export.dat");
        Files.copy(cleanCsv(), odd);
        Cli.Result r = run(odd, "--format", "oath-csv");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(3, appliance.tokens.size());
        assertTrue(r.out().contains("export.dat (oath-csv)"), r.out());
    }

    @Test
    void helpAndVersion() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: token-import [-hV] [COMMAND]"), r.out());
        assertTrue(r.out().contains("file  Imports the tokens of a seed file"), r.out());
        assertTrue(r.out().contains("card  Provisions YubiKeys"), r.out());

        r = Cli.run("file", "--help");
        assertEquals(0, r.exit());
        for (String option : List.of("--format", "--psk-file", "--password-file", "--server", "--api-key-file", "--dry-run",
                "--replace", "--assign-users", "--batch-size", "--yubikey-hotp-digits", "--truststore")) {
            assertTrue(r.out().contains(option), option + " in\n" + r.out());
        }
        r = Cli.run("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("token-import "), r.out());
    }

    @Test
    void requestBodyAndThePlainUserRule() {
        byte[] seed = HexFormat.of().parseHex(RFC_SECRET_HEX);
        SeedRecord record = SeedRecord.hotp("S1", seed, org.otpappliance.otp.algorithm.HashAlgorithm.SHA1, 6, 0, "u");
        byte[] body = ImportRequest.body(List.of(new ImportRequest.Item(record, "u")), false, false);
        assertTrue(new String(body, StandardCharsets.UTF_8).contains(RFC_SECRET_BASE32));
        assertNull(ImportRequest.plainUser("UID=x,DC=y"));
        assertNull(ImportRequest.plainUser("a, b"));
        assertEquals("jsmith", ImportRequest.plainUser(" jsmith "));
    }
}
