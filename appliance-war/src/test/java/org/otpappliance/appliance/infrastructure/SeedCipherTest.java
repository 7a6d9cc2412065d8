package org.otpappliance.appliance.infrastructure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedCipherTest {
    static final byte[] SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void aSeedRoundTripsAndItsCiphertextNeitherShowsNorRepeatsIt() throws Exception {
        SeedCipher cipher = SeedCipher.load(Optional.empty(), dir.resolve("master.key"));
        String a = cipher.encrypt(SEED, "TOTP0001");
        String b = cipher.encrypt(SEED, "TOTP0001");
        assertTrue(a.startsWith("v1:"));
        assertNotEquals(a, b, "a fresh nonce each time");
        assertFalse(a.contains(Base64.getEncoder().encodeToString(SEED)));
        assertArrayEquals(SEED, cipher.decrypt(a, "TOTP0001"));
    }

    @Test
    void aCiphertextMovedToAnotherTokenDoesNotDecrypt() throws Exception {
        SeedCipher cipher = SeedCipher.load(Optional.empty(), dir.resolve("master.key"));
        String sealed = cipher.encrypt(SEED, "TOTP0001");
        assertThrows(IllegalStateException.class, () -> cipher.decrypt(sealed, "TOTP0002"));
    }

    @Test
    void theKeyFileIsCreatedOwnerOnlyAndReusedOnTheNextStart() throws Exception {
        Path file = dir.resolve("master.key");
        String sealed = SeedCipher.load(Optional.empty(), file).encrypt(SEED, "S");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertArrayEquals(SEED, SeedCipher.load(Optional.empty(), file).decrypt(sealed, "S"));
    }

    @Test
    void anOperatorKeyWinsOverTheFileAndAnotherKeyCannotDecrypt() throws Exception {
        String given = Base64.getEncoder().encodeToString(new byte[32]);
        SeedCipher operator = SeedCipher.load(Optional.of(given), dir.resolve("unused.key"));
        assertFalse(Files.exists(dir.resolve("unused.key")));
        String sealed = operator.encrypt(SEED, "S");
        SeedCipher other = SeedCipher.load(Optional.empty(), dir.resolve("master.key"));
        assertThrows(IllegalStateException.class, () -> other.decrypt(sealed, "S"));
    }

    @Test
    void aKeyOfTheWrongLengthIsRefused() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThrows(IllegalStateException.class, () -> SeedCipher.load(Optional.of(shortKey), dir.resolve("k")));
        assertThrows(IllegalStateException.class, () -> SeedCipher.load(Optional.of("not base64!"), dir.resolve("k")));
    }
}
