package org.otpappliance.tokenimport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built artefacts, after {@code package}: {@code target/token-import.jar} runs with {@code java -jar}, and the
 * {@code token-import} launcher script finds it and imports through it (picocli, JSON-P and otp-core all inside
 * the jar).
 */
class LauncherIT {
    static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    static final Path JAR = MODULE.resolve("target/token-import.jar");
    static final Path LAUNCHER = MODULE.resolve("token-import");
    static final String JAVA_HOME = System.getProperty("java.home");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run exec(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the tool did not end");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void javaDashJarHelp() throws Exception {
        Run r = exec(Map.of(), Path.of(JAVA_HOME, "bin", "java").toString(), "-jar", JAR.toString(), "--help");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Usage: token-import [-hV] [COMMAND]"), r.out());
        assertTrue(r.out().contains("file  Imports the tokens of a seed file into the appliance."), r.out());

        r = exec(Map.of(), Path.of(JAVA_HOME, "bin", "java").toString(), "-jar", JAR.toString(), "--version");
        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.out().contains("development build"), r.out()); // the version comes from the jar's manifest
    }

    @Test
    void theLauncherImportsThroughTheJar() throws Exception {
        assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " is not executable");
        Path csv = dir.resolve("tokens.csv");
        Files.writeString(csv, "serial,seed,type,digits,counter-or-period,user\n"
                + "L1,3132333435363738393031323334353637383930,totp,6,30,alice\n"
                + "L2,3132333435363738393031323334353637383930,hotp,8,7\n");
        Path key = Cli.keyFile(dir, "admin.key", FakeAppliance.ADMIN_KEY);
        try (FakeAppliance appliance = FakeAppliance.start()) {
            List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString(), "file", csv.toString(),
                    "--server", appliance.base().toString(), "--api-key-file", key.toString()));
            Run r = exec(Map.of("JAVA_HOME", JAVA_HOME), command.toArray(String[]::new));
            assertEquals(0, r.exit(), r.toString());
            assertEquals(2, appliance.tokens.size());
            assertEquals("alice", appliance.tokens.get("L1").getString("user"));
            assertEquals(7, appliance.tokens.get("L2").getInt("counter"));
            assertTrue(r.out().contains("imported                   2"), r.toString());
            assertFalse(r.err().contains("\r"), r.err()); // standard error is a file, not a terminal
            assertFalse(r.toString().contains(FileCommandTest.RFC_SECRET_BASE32), r.toString());
            assertFalse(r.toString().contains(FileCommandTest.RFC_SECRET_HEX), r.toString());
            assertFalse(r.toString().contains(FakeAppliance.ADMIN_KEY), r.toString());

            // Exit status 2 for a usage error, from the real process.
            r = exec(Map.of("JAVA_HOME", JAVA_HOME), "bash", LAUNCHER.toString(), "file", csv.toString());
            assertEquals(2, r.exit(), r.toString());
        }
    }

    @Test
    void theLauncherHonoursTokenImportJar() throws Exception {
        Run r = exec(Map.of("JAVA_HOME", JAVA_HOME, "TOKEN_IMPORT_JAR", JAR.toString()), "bash", LAUNCHER.toString(), "--version");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("token-import "), r.out());

        r = exec(Map.of("TOKEN_IMPORT_JAR", dir.resolve("nowhere.jar").toString()), "bash", LAUNCHER.toString(), "--help");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("TOKEN_IMPORT_JAR"), r.err());
    }
}
