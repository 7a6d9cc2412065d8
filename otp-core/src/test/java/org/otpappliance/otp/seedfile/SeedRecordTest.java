package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.token.TokenType;

class SeedRecordTest {
    private static final byte[] SEED = HexFormat.of().parseHex("3132333435363738393031323334353637383930");
    private static final byte[] AES = HexFormat.of().parseHex("db902c544973979d1e0b830882f0fda5");
    private static final byte[] PRIVATE_ID = HexFormat.of().parseHex("27d4e1ed8867");

    @Test
    void toStringNeverShowsSecrets() {
        String s = SeedRecord.totp("S1", SEED, HashAlgorithm.SHA1, 6, 30, "alice").toString();
        assertEquals("SeedRecord[serial=S1, type=totp, algorithm=SHA1, digits=6, periodSeconds=30, userId=alice, secret=(20 bytes)]", s);
        String y = SeedRecord.yubico("Y1", AES, "vvcccbhkfnji", PRIVATE_ID, null).toString();
        assertEquals("SeedRecord[serial=Y1, type=yubico, publicId=vvcccbhkfnji, secret=(16 bytes)]", y);
        assertFalse(y.contains("27d4e1ed8867") || y.contains("db902c"));
    }

    @Test
    void arraysAreCopiedAndCompared() {
        byte[] seed = SEED.clone();
        SeedRecord r = SeedRecord.hotp("S1", seed, HashAlgorithm.SHA1, 6, 0, null);
        seed[0] = 0;
        assertArrayEquals(SEED, r.secret());
        r.secret()[0] = 0;
        assertArrayEquals(SEED, r.secret());
        assertEquals(r, SeedRecord.hotp("S1", SEED.clone(), HashAlgorithm.SHA1, 6, 0, null));
        assertEquals(r.hashCode(), SeedRecord.hotp("S1", SEED.clone(), HashAlgorithm.SHA1, 6, 0, null).hashCode());
        assertNotEquals(r, SeedRecord.hotp("S1", AES, HashAlgorithm.SHA1, 6, 0, null));
    }

    @Test
    void invariantsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp("", SEED, HashAlgorithm.SHA1, 6, 0, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp(" S", SEED, HashAlgorithm.SHA1, 6, 0, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp("x".repeat(65), SEED, HashAlgorithm.SHA1, 6, 0, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp("S\n", SEED, HashAlgorithm.SHA1, 6, 0, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp("S", new byte[0], HashAlgorithm.SHA1, 6, 0, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp("S", SEED, HashAlgorithm.SHA1, 9, 0, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.hotp("S", SEED, HashAlgorithm.SHA1, 6, -1, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.totp("S", SEED, HashAlgorithm.SHA1, 6, 0, null));
        assertThrows(NullPointerException.class, () -> SeedRecord.totp("S", SEED, null, 6, 30, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.yubico("Y", SEED, "vvcccbhkfnji", PRIVATE_ID, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.yubico("Y", AES, "vvcccbhkfnj", PRIVATE_ID, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.yubico("Y", AES, "VVCCCBHKFNJI", PRIVATE_ID, null));
        assertThrows(IllegalArgumentException.class, () -> SeedRecord.yubico("Y", AES, "vvcccbhkfnji", new byte[5], null));
        assertThrows(IllegalArgumentException.class, () -> new SeedRecord("S", TokenType.SMS, SEED, null, 0, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new SeedRecord("S", TokenType.HOTP, SEED, HashAlgorithm.SHA1, 6, 30, 0L, null, null, null));
        assertTrue(SeedRecord.isValidSerial("x".repeat(64)));
    }
}
