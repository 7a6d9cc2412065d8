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
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;
import org.otpappliance.tokenimport.TokenImport;
import picocli.CommandLine;

/**
 * {@code token-import card enroll --wait}, the desk batch, through the same real PC/SC stack as
 * {@link CardEnrollTest}: the shared private pcscd with its two vpcd readers, {@link VirtualYubiKey virtual YubiKeys}
 * put in (TCP connection to vpcd up) and taken out (connection closed) while the batch runs, and
 * {@link FakeAppliance a fake appliance}. The batch runs in-process on its own thread, except for Ctrl-C, which is a
 * real SIGINT to a tool run in a child JVM. The tests synchronise on the tool's own messages ("waiting for keys",
 * "key N:", "ready for the next key"), never on sleeps; every wait has a generous deadline.
 * Needs root, pcscd and vsmartcard-vpcd: with CI set they are required, elsewhere the tests are skipped.
 */
class CardEnrollBatchTest {
    static final String READER_0 = Pcscd.READER_0;
    static final String READER_1 = Pcscd.READER_1;
    static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Pcscd pcscd;
    static Path keyFile;

    /** The virtual keys a test put in; taken out after it. */
    final List<VirtualYubiKey> inserted = new ArrayList<>();

    @BeforeAll
    static void startPcscd() throws Exception {
        pcscd = Pcscd.sharedOrSkip();
        waitForPresence(READER_0, false);
        waitForPresence(READER_1, false);
        keyFile = dir.resolve("admin.key");
        Files.writeString(keyFile, FakeAppliance.ADMIN_KEY + "\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void takeTheKeysOut() throws Exception {
        for (VirtualYubiKey key : inserted) {
            key.close();
        }
        inserted.clear();
        if (pcscd != null) {
            waitForPresence(READER_0, false);
            waitForPresence(READER_1, false);
        }
    }

    /** Puts {@code key} into reader 0 or 1. */
    VirtualYubiKey insert(VirtualYubiKey key, int reader) throws Exception {
        inserted.add(key.insertInto(pcscd.port + reader));
        return key;
    }

    static void waitForPresence(String reader, boolean present) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            for (SmartCards.Reader r : CardTransport.open().readers()) {
                if (r.name().equals(reader) && r.cardPresent() == present) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        fail("\"" + reader + "\" did not become " + (present ? "occupied" : "empty") + "; pcscd log:\n"
                + Files.readString(pcscd.log));
    }

    /** A batch running in-process on its own thread; its output grows as it runs. */
    record Batch(StringWriter out, StringWriter err, CompletableFuture<Integer> exit) {
        String all() {
            return out + "\n" + err;
        }

        @Override
        public String toString() {
            return "exit " + (exit.isDone() ? exit.join() : "(running)") + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        int awaitExit() throws Exception {
            return exit.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    static Batch start(FakeAppliance appliance, String... more) {
        List<String> args = new ArrayList<>(List.of("card", "enroll", "--wait", "--server", appliance.base(),
                "--api-key-file", keyFile.toString()));
        args.addAll(List.of(more));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TokenImport.commandLine(new TokenImport.Terminal(false, Duration.ofSeconds(5)));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                exit.complete(cl.execute(args.toArray(String[]::new)));
            } catch (Throwable e) {
                exit.completeExceptionally(e);
            }
        }, "desk-batch");
        t.setDaemon(true);
        t.start();
        return new Batch(out, err, exit);
    }

    /** Waits until {@code text} holds {@code expected} {@code times} times. */
    static void await(Supplier<String> text, String expected, int times, Object context) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (occurrences(text.get(), expected) >= times) {
                return;
            }
            Thread.sleep(50);
        }
        fail("waited " + PATIENCE.toSeconds() + " s for " + times + " x \"" + expected + "\":\n" + context);
    }

    static void await(Batch b, String expected) throws InterruptedException {
        await(b::all, expected, 1, b);
    }

    static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    static Path users(String name, String... lines) throws IOException {
        return Files.write(dir.resolve(name), List.of(lines), StandardCharsets.UTF_8);
    }

    /** CALCULATE through pcscd, as an authenticator app asks the card: the code it shows. */
    static String calculateOnCard(String reader, String name, long timeStep) throws Exception {
        try (CardConnection c = CardTransport.open().connect(reader)) {
            assertTrue(c.select(Ykoath.AID).ok());
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            Tlv.write(data, 0x71, name.getBytes(StandardCharsets.UTF_8));
            Tlv.write(data, 0x74, ByteBuffer.allocate(8).putLong(timeStep).array());
            Apdu.Response r = c.transmit(Apdu.command(0x00, 0xA2, 0x00, 0x01, data.toByteArray()));
            assertEquals(0x9000, r.sw(), "CALCULATE status");
            byte[] v = Tlv.find(Tlv.parse(r.data()), 0x76);
            return String.format("%0" + v[0] + "d", ByteBuffer.wrap(v, 1, 4).getInt() % (int) Math.pow(10, v[0]));
        }
    }

    /** The TOTP token the appliance got for {@code key}, checked against the credential the key holds. */
    static byte[] assertEnrolledTotp(FakeAppliance appliance, VirtualYubiKey key, String user) {
        JsonObject token = appliance.tokens.get("YKOATH-" + key.serial);
        assertNotNull(token, "YKOATH-" + key.serial + " registered: " + appliance.tokens.keySet());
        assertEquals("totp", token.getString("type"));
        assertEquals(user, token.getString("user"));
        byte[] secret = Base32.decode(token.getString("secret"));
        VirtualYubiKey.Credential stored = key.credential("otp-appliance:" + user);
        assertNotNull(stored, "the credential is on key " + key.serial + ": " + key.credentials());
        assertEquals(1, key.credentials().size(), "only that credential: " + key.credentials());
        assertArrayEquals(secret, stored.key(), "the key holds the seed the appliance got");
        long step = Totp.timeStep(System.currentTimeMillis() / 1000, 30);
        assertEquals(Hotp.code(secret, step, 6, HashAlgorithm.SHA1), VirtualYubiKey.code(stored, step),
                "the key's code = the appliance's code");
        return secret;
    }

    static void assertNoSecret(String output, byte[] secret) {
        String text = output.toLowerCase(Locale.ROOT);
        assertFalse(text.contains(Base32.encode(secret).toLowerCase(Locale.ROOT)), "the seed (Base32) appears:\n" + output);
        assertFalse(text.contains(HexFormat.of().formatHex(secret)), "the seed (hex) appears:\n" + output);
    }

    @Test
    void keysPutInOneAfterAnotherGoToTheUsersOfTheListInOrder() throws Exception {
        Path users = users("users.txt", "# desk, Monday", "alice", "", "bob", "carol");
        VirtualYubiKey before = insert(new VirtualYubiKey(2000000), 1);
        waitForPresence(READER_1, true);
        try (FakeAppliance appliance = new FakeAppliance()) {
            Batch b = start(appliance, "--type", "totp", "--users", users.toString(), "--count", "2");
            await(b, "waiting for keys");
            assertTrue(b.err().toString().contains("left alone, as they were in before the start"), b.toString());

            VirtualYubiKey first = insert(new VirtualYubiKey(2000001), 0);
            await(b, "key 1: enrolled: ");
            assertTrue(b.out().toString().contains("YubiKey 2000001 in \"" + READER_0 + "\""), b.toString());
            assertTrue(b.out().toString().contains("as YKOATH-2000001 for user alice (imported)"), b.toString());
            first.close();
            await(b, "the key is out of \"" + READER_0 + "\": ready for the next key");

            VirtualYubiKey second = insert(new VirtualYubiKey(2000002), 0);
            assertEquals(0, b.awaitExit(), b.toString());
            System.out.println("card enroll --wait:\n" + b);
            assertTrue(b.out().toString().contains("key 2: enrolled: "), b.toString());
            assertTrue(b.out().toString().contains("as YKOATH-2000002 for user bob (imported)"), b.toString());
            assertTrue(b.out().toString().contains("summary: 2 enrolled, 0 not enrolled; --count 2 reached"), b.toString());
            assertTrue(b.out().toString().contains("users still without a key: 1 (carol)"), b.toString());

            byte[] aliceSeed = assertEnrolledTotp(appliance, first, "alice");
            byte[] bobSeed = assertEnrolledTotp(appliance, second, "bob");
            long step = Totp.timeStep(System.currentTimeMillis() / 1000, 30);
            assertEquals(Hotp.code(bobSeed, step, 6, HashAlgorithm.SHA1),
                    calculateOnCard(READER_0, "otp-appliance:bob", step), "through pcscd too");
            assertEquals(2, appliance.tokens.size(), appliance.tokens.keySet().toString());
            assertTrue(before.credentials().isEmpty(), "the key in before the start is left alone");
            assertNoSecret(b.all(), aliceSeed);
            assertNoSecret(b.all(), bobSeed);
        }
    }

    @Test
    void twoReadersAtOnceAndTheListRunningOutEndTheBatch() throws Exception {
        Path users = users("two.txt", "dora", "erin");
        try (FakeAppliance appliance = new FakeAppliance()) {
            Batch b = start(appliance, "--type", "totp", "--users", users.toString(), "--reader", "virtual pcd");
            await(b, "waiting for keys in readers whose name contains \"virtual pcd\"");
            VirtualYubiKey one = insert(new VirtualYubiKey(2000011), 0);
            VirtualYubiKey two = insert(new VirtualYubiKey(2000012), 1);
            assertEquals(0, b.awaitExit(), b.toString());
            assertTrue(b.out().toString().contains("summary: 2 enrolled, 0 not enrolled; every user of " + users
                    + " has a key"), b.toString());
            // which key went in first is up to pcscd: the users are taken in order either way
            String firstUser = appliance.tokens.get("YKOATH-" + one.serial).getString("user");
            assertEnrolledTotp(appliance, one, firstUser);
            assertEnrolledTotp(appliance, two, firstUser.equals("dora") ? "erin" : "dora");
        }
    }

    @Test
    void countStopsTheBatchAndLeavesTheOtherKeysAlone() throws Exception {
        Path users = users("count.txt", "frank", "gina", "hank");
        try (FakeAppliance appliance = new FakeAppliance()) {
            Batch b = start(appliance, "--type", "totp", "--users", users.toString(), "--count", "1");
            await(b, "waiting for keys");
            VirtualYubiKey one = insert(new VirtualYubiKey(2000021), 0);
            VirtualYubiKey two = insert(new VirtualYubiKey(2000022), 1);
            assertEquals(0, b.awaitExit(), b.toString());
            assertTrue(b.out().toString().contains("summary: 1 enrolled, 0 not enrolled; --count 1 reached"), b.toString());
            assertTrue(b.out().toString().contains("users still without a key: 2 (gina, hank)"), b.toString());
            assertFalse(b.out().toString().contains("key 2:"), b.toString());
            assertEquals(1, appliance.tokens.size(), appliance.tokens.keySet().toString());
            VirtualYubiKey enrolled = appliance.tokens.containsKey("YKOATH-" + one.serial) ? one : two;
            VirtualYubiKey other = enrolled == one ? two : one;
            assertEnrolledTotp(appliance, enrolled, "frank");
            assertTrue(other.credentials().isEmpty(), "the batch had stopped: " + other.credentials());
        }
    }

    @Test
    void aFailedRegistrationErasesThatKeyAndTheNextKeyGoesToTheSameUser() throws Exception {
        Path users = users("fail.txt", "ivy");
        try (FakeAppliance appliance = new FakeAppliance()) {
            appliance.failingSerials.add("YKOATH-2000031");
            Batch b = start(appliance, "--type", "totp", "--users", users.toString());
            await(b, "waiting for keys");
            VirtualYubiKey failing = insert(new VirtualYubiKey(2000031), 0);
            await(b, "key 1: NOT ENROLLED: ");
            assertTrue(b.out().toString().contains("YubiKey 2000031 in \"" + READER_0 + "\" for user ivy: the appliance"
                    + " answered HTTP 500"), b.toString());
            assertTrue(b.out().toString().contains("the credential \"otp-appliance:ivy\" was deleted from the card again"),
                    b.toString());
            assertTrue(failing.credentials().isEmpty(), "rolled back: " + failing.credentials());

            VirtualYubiKey next = insert(new VirtualYubiKey(2000032), 1);
            assertEquals(1, b.awaitExit(), "a key failed: " + b);
            System.out.println("card enroll --wait, one registration fails:\n" + b);
            assertTrue(b.out().toString().contains("key 2: enrolled: "), b.toString());
            assertTrue(b.out().toString().contains("summary: 1 enrolled, 1 not enrolled; every user of"), b.toString());
            assertTrue(b.out().toString().contains("  key 1: NOT ENROLLED: YubiKey 2000031"), b.toString());
            assertEnrolledTotp(appliance, next, "ivy");
            assertNull(appliance.tokens.get("YKOATH-2000031"));
            assertTrue(failing.credentials().isEmpty());
        }
    }

    @Test
    void aKeyEnrolledEarlierInTheBatchThatComesBackIsLeftAlone() throws Exception {
        Path users = users("again.txt", "jack", "kim");
        try (FakeAppliance appliance = new FakeAppliance()) {
            Batch b = start(appliance, "--type", "totp", "--users", users.toString(), "--replace");
            await(b, "waiting for keys");
            VirtualYubiKey key = insert(new VirtualYubiKey(2000041), 0);
            await(b, "key 1: enrolled: ");
            key.close();
            await(b, "ready for the next key");
            key.insertInto(pcscd.port);
            await(b, "skipped: YubiKey 2000041 in \"" + READER_0 + "\" was enrolled earlier in this batch");
            key.close();
            await(b::all, "ready for the next key", 2, b);
            VirtualYubiKey other = insert(new VirtualYubiKey(2000042), 0);
            assertEquals(0, b.awaitExit(), "a skipped key is no failure: " + b);
            assertTrue(b.out().toString().contains("summary: 2 enrolled, 0 not enrolled, 1 skipped"), b.toString());
            assertEnrolledTotp(appliance, key, "jack");
            assertEnrolledTotp(appliance, other, "kim");
        }
    }

    @Test
    void yubicoKeysWithoutAUsersListAreRegisteredWithoutAUser() throws Exception {
        try (FakeAppliance appliance = new FakeAppliance()) {
            Batch b = start(appliance, "--type", "yubico", "--slot", "2", "--count", "1", "--reader", "00 01");
            await(b, "waiting for keys");
            assertTrue(b.err().toString().contains("tokens are registered without a user"), b.toString());
            VirtualYubiKey key = insert(new VirtualYubiKey(2000051), 1);
            assertEquals(0, b.awaitExit(), b.toString());
            JsonObject token = appliance.tokens.get("YKOTP-2000051");
            assertNotNull(token, appliance.tokens.keySet().toString());
            assertFalse(token.containsKey("user"), token.toString());
            assertTrue(b.out().toString().contains("as YKOTP-2000051 without a user (imported)"), b.toString());
            assertArrayEquals(HexFormat.of().parseHex(token.getString("aesKey")), key.slot(2).key());
            assertArrayEquals(HexFormat.of().parseHex(token.getString("privateId")), key.slot(2).uid());
            assertNull(key.slot(1));
            assertNoSecret(b.all(), key.slot(2).key());
        }
    }

    @Test
    void theApiKeyRefusedStopsTheBatchAfterTheFirstKey() throws Exception {
        Path users = users("stop.txt", "lena", "max");
        try (FakeAppliance appliance = new FakeAppliance()) {
            appliance.forcedStatus = 401;
            Batch b = start(appliance, "--type", "hotp", "--users", users.toString());
            await(b, "waiting for keys");
            VirtualYubiKey key = insert(new VirtualYubiKey(2000061), 0);
            assertEquals(2, b.awaitExit(), b.toString());
            assertTrue(b.out().toString().contains("HTTP 401"), b.toString());
            assertTrue(b.out().toString().contains("summary: 0 enrolled, 1 not enrolled; stopped after key 1: every"
                    + " further key would fail the same way"), b.toString());
            assertTrue(key.credentials().isEmpty(), "rolled back: " + key.credentials());
        }
    }

    @Test
    void whatABatchCannotTakeIsRefusedBeforeAnyKeyIsTouched() throws Exception {
        Path users = users("ok.txt", "nina");
        Path twice = users("twice.txt", "olga", "# again:", "olga");
        Path blank = users("blank.txt", "paul smith");
        Path none = users("none.txt", "# nobody", "");
        try (FakeAppliance appliance = new FakeAppliance()) {
            String[][] cases = {
                {"--user names the user of one key", "--type", "totp", "--user", "nina"},
                {"needs --users FILE", "--type", "totp"},
                {"--serial names one token", "--type", "totp", "--users", users.toString(), "--serial", "S1"},
                {"--public-id is for one key", "--type", "yubico", "--public-id", "cccccccc"},
                {"--count must be 1 or more", "--type", "yubico", "--count", "0"},
                {"line 3: olga is listed already, on line 1", "--type", "totp", "--users", twice.toString()},
                {"line 1: not a user name", "--type", "totp", "--users", blank.toString()},
                {"lists no users", "--type", "totp", "--users", none.toString()},
            };
            for (String[] c : cases) {
                String[] args = new String[c.length - 1];
                System.arraycopy(c, 1, args, 0, args.length);
                Batch b = start(appliance, args);
                assertEquals(2, b.awaitExit(), b.toString());
                assertTrue(b.err().toString().contains(c[0]), c[0] + ": " + b);
            }
            StringWriter err = new StringWriter();
            CommandLine cl = TokenImport.commandLine(new TokenImport.Terminal(false, Duration.ofSeconds(5)));
            cl.setErr(new PrintWriter(err, true));
            cl.setOut(new PrintWriter(new StringWriter(), true));
            assertEquals(2, cl.execute("card", "enroll", "--reader", READER_0, "--user", "nina", "--type", "totp",
                    "--count", "2", "--server", appliance.base(), "--api-key-file", keyFile.toString()));
            assertTrue(err.toString().contains("--count is for --wait only"), err.toString());
            assertTrue(appliance.tokens.isEmpty());
        }
    }

    /**
     * Ctrl-C as the launcher gets it: a real SIGINT to the tool in a JVM of its own. Once, between keys: the batch
     * stops with its summary, exit 0 (nothing failed).
     */
    @Test
    void ctrlCEndsTheBatchBetweenKeysWithASummary() throws Exception {
        Path users = users("ctrlc.txt", "quinn", "rosa", "sam");
        try (FakeAppliance appliance = new FakeAppliance();
             Child c = Child.start(appliance, "--type", "totp", "--users", users.toString(), "--reader", READER_0)) {
            await(c::err, "waiting for keys", 1, c);
            VirtualYubiKey key = insert(new VirtualYubiKey(2000071), 0);
            await(c::out, "key 1: enrolled: ", 1, c);
            c.interrupt();
            assertTrue(c.process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "ended: " + c);
            System.out.println("card enroll --wait, Ctrl-C:\n" + c);
            assertEquals(0, c.process.exitValue(), c.toString());
            assertTrue(c.out().contains("summary: 1 enrolled, 0 not enrolled; stopped by Ctrl-C"), c.toString());
            assertTrue(c.out().contains("users still without a key: 2 (rosa, sam)"), c.toString());
            assertEnrolledTotp(appliance, key, "quinn");
        }
    }

    /**
     * Ctrl-C twice while the appliance keeps a registration waiting: the first waits for the key in hand, the
     * second cuts the registration short, and the key's credential is removed again (exit 1: a key failed).
     */
    @Test
    void ctrlCTwiceDuringARegistrationRemovesTheCredentialAgain() throws Exception {
        Path users = users("ctrlc2.txt", "tom");
        try (FakeAppliance appliance = new FakeAppliance()) {
            appliance.holdRequests = new CountDownLatch(1);
            try (Child c = Child.start(appliance, "--type", "totp", "--users", users.toString(), "--reader", READER_0)) {
                await(c::err, "waiting for keys", 1, c);
                VirtualYubiKey key = insert(new VirtualYubiKey(2000072), 0);
                assertTrue(appliance.requestHeld.await(PATIENCE.toSeconds(), TimeUnit.SECONDS),
                        "registration under way: " + c);
                assertNotNull(key.credential("otp-appliance:tom"), "written, not yet registered");
                c.interrupt();
                await(c::err, "stopping once the key in hand is done", 1, c);
                c.interrupt();
                assertTrue(c.process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "ended: " + c);
                System.out.println("card enroll --wait, Ctrl-C twice during a registration:\n" + c);
                assertEquals(1, c.process.exitValue(), c.toString());
                assertTrue(c.out().contains("key 1: NOT ENROLLED: YubiKey 2000072"), c.toString());
                assertTrue(c.out().contains("interrupted while waiting for the appliance"), c.toString());
                assertTrue(c.out().contains("summary: 0 enrolled, 1 not enrolled; stopped by Ctrl-C"), c.toString());
                assertTrue(c.out().contains("users still without a key: 1 (tom)"), c.toString());
                assertTrue(key.credentials().isEmpty(), "removed again: " + key.credentials());
            }
        }
    }

    /** The tool in a child JVM (the test class path), output to files. */
    record Child(Process process, Path outFile, Path errFile) implements AutoCloseable {
        static Child start(FakeAppliance appliance, String... more) throws IOException {
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", classPath, TokenImport.class.getName(), "card", "enroll", "--wait",
                    "--server", appliance.base(), "--api-key-file", keyFile.toString()));
            command.addAll(List.of(more));
            Path work = Files.createTempDirectory(dir, "child");
            Path out = work.resolve("out.txt");
            Path err = work.resolve("err.txt");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            return new Child(p, out, err);
        }

        /** SIGINT, as Ctrl-C in a terminal sends it, to this child only. */
        void interrupt() throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -INT " + process.pid());
        }

        String out() {
            return read(outFile);
        }

        String err() {
            return read(errFile);
        }

        private static String read(Path p) {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public String toString() {
            return "exit " + (process.isAlive() ? "(running)" : process.exitValue()) + "\n--- stdout\n" + out()
                    + "--- stderr\n" + err();
        }

        /** Ends the child if a failed test left it running. */
        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
