package org.otpappliance.otp.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hotp and Totp against oathtool from the OATH Toolkit. Skipped when oathtool is missing, except
 * under CI, where a missing oathtool is a failure so the cross-check cannot silently vanish.
 */
@DisplayName("Cross-check against oathtool")
class OathtoolCrossCheckTest {
    private static final long RANDOM_SEED = 0x4226_6238L;
    private static final int CASES = 50;
    private static final DateTimeFormatter NOW = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private static Path oathtool;

    record Case(byte[] key, HashAlgorithm algorithm, int digits, long counterOrTime, int period) {
        @Override
        public String toString() {
            return period == 0
                    ? String.format("HOTP %s, %d digits, counter %s, %d-byte key", algorithm, digits,
                            Long.toUnsignedString(counterOrTime), key.length)
                    : String.format("TOTP %s, %d digits, period %d s, now %s, %d-byte key", algorithm, digits,
                            period, NOW.format(Instant.ofEpochSecond(counterOrTime)), key.length);
        }
    }

    private static final String MISSING = "oathtool is not on the PATH (Debian package: oathtool)";

    @BeforeAll
    static void findOathtool() {
        oathtool = findOnPath("oathtool");
        String ci = System.getenv("CI");
        if (oathtool == null && ci != null && !ci.isBlank()) {
            fail(MISSING + "; CI=" + ci + " so the cross-check must run: install oathtool on the CI machine");
        }
    }

    @BeforeEach
    void skipWithoutOathtool() {
        Assumptions.assumeTrue(oathtool != null,
                MISSING + "; skipping the oathtool cross-check (it is mandatory only when CI is set)");
    }

    static List<Case> hotpCases() {
        Random rnd = new Random(RANDOM_SEED);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            long counter = switch (i % 3) {
                case 0 -> rnd.nextInt(1000);
                case 1 -> rnd.nextLong() & Long.MAX_VALUE;
                default -> rnd.nextLong();
            };
            // oathtool's --hotp has no hash option: HOTP is HMAC-SHA-1 only there.
            cases.add(new Case(randomKey(rnd), HashAlgorithm.SHA1, 6 + rnd.nextInt(3), counter, 0));
        }
        return cases;
    }

    static List<Case> totpCases() {
        Random rnd = new Random(~RANDOM_SEED);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            HashAlgorithm algorithm = HashAlgorithm.values()[i % HashAlgorithm.values().length];
            int period = rnd.nextBoolean() ? 30 : 1 + rnd.nextInt(3600);
            long now = (rnd.nextLong() & Long.MAX_VALUE) % (1L << 34);
            cases.add(new Case(randomKey(rnd), algorithm, 6 + rnd.nextInt(3), now, period));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hotpCases")
    void hotpAgreesWithOathtool(Case c) {
        String expected = run("--hotp", "-d", Integer.toString(c.digits()),
                "-c", Long.toUnsignedString(c.counterOrTime()), hex(c.key()));
        assertEquals(expected, Hotp.code(c.key(), c.counterOrTime(), c.digits(), c.algorithm()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("totpCases")
    void totpAgreesWithOathtool(Case c) {
        String expected = run("--totp=" + c.algorithm().name(), "-d", Integer.toString(c.digits()),
                "-s", Integer.toString(c.period()), "--now", NOW.format(Instant.ofEpochSecond(c.counterOrTime())),
                hex(c.key()));
        assertEquals(expected, Totp.code(c.key(), c.counterOrTime(), c.period(), c.digits(), c.algorithm()));
    }

    private static byte[] randomKey(Random rnd) {
        byte[] key = new byte[10 + rnd.nextInt(55)];
        rnd.nextBytes(key);
        return key;
    }

    private static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }

    private static String run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(oathtool.toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("oathtool did not finish: " + command);
            }
            assertEquals(0, p.exitValue(), () -> "oathtool failed: " + command + ": " + out);
            assertTrue(out.matches("[0-9]{6,8}"), () -> "unexpected oathtool output for " + command + ": " + out);
            return out;
        } catch (IOException e) {
            return fail("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted running " + command, e);
        }
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
