package org.otpappliance.tokenimport;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Runs the CLI in-process, as {@code main} would, with standard output and error captured. */
final class Cli {
    /** The outcome of one run. */
    record Result(int exit, String out, String err) {
        String all() {
            return out + "\n" + err;
        }

        /** Asserts that none of {@code secrets} appears in the output, in any letter case. */
        void assertNoSecrets(String... secrets) {
            String text = all().toLowerCase(Locale.ROOT);
            for (String s : secrets) {
                assertFalse(text.contains(s.toLowerCase(Locale.ROOT)), "a secret appears in the output:\n" + all());
            }
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    /** Not a terminal, progress lines every 5 s, as in a log. */
    static Result run(String... args) {
        return run(new TokenImport.Terminal(false, Duration.ofSeconds(5)), args);
    }

    static Result run(TokenImport.Terminal terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TokenImport.commandLine(terminal);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** A file only its owner may read, as key files must be. */
    static Path keyFile(Path dir, String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** A copy of a test resource ({@code seedfile/...}) in {@code dir}. */
    static Path fixture(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        try (InputStream in = Cli.class.getResourceAsStream("/seedfile/" + name)) {
            if (in == null) {
                throw new IOException("no test resource seedfile/" + name);
            }
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }
}
