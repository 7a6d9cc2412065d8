package org.otpappliance.otp.seedfile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens otp-core's package-private test generators (from its test-jar) to token-import's tests. */
public final class GeneratedSeedFiles {
    private GeneratedSeedFiles() {
    }

    /**
     * Writes a PSKC file of {@code count} AES-128-CBC encrypted keys under {@code psk} (with MAC) to {@code file},
     * produced as it is written: token {@code i} is {@link #record(int)}.
     */
    public static void writePskc(Path file, byte[] psk, int count) throws IOException {
        try (InputStream in = new GeneratedPskc(psk, count)) {
            Files.copy(in, file);
        }
    }

    /** Token {@code i} of a generated file: serial GEN0000000 + i; TOTP with user "user" + i when i is even, else HOTP. */
    public static SeedRecord record(int i) {
        return GeneratedPskc.record(i);
    }
}
