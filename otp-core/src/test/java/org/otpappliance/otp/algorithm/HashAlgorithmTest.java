package org.otpappliance.otp.algorithm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.crypto.Mac;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class HashAlgorithmTest {

    @ParameterizedTest(name = "\"{0}\" is {1}")
    @CsvSource({
            "sha1, SHA1",
            "SHA1, SHA1",
            "SHA-1, SHA1",
            "HmacSHA1, SHA1",
            "sha256, SHA256",
            "SHA-256, SHA256",
            "HmacSHA256, SHA256",
            "hmac-sha-256, SHA256",
            "Sha512, SHA512",
            "SHA-512, SHA512",
            "HmacSHA512, SHA512",
    })
    void parseAcceptsCommonSpellings(String name, HashAlgorithm expected) {
        assertEquals(expected, HashAlgorithm.parse(name));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @ValueSource(strings = {"", " ", "md5", "SHA", "SHA-2", "SHA224", "SHA384", "SHA3-256", "SHA-512/256",
            "Hmac", "sha 1", "SHA_256", "sha1;", "1", "SHA11"})
    void parseRejectsJunk(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HashAlgorithm.parse(name));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void parseRoundTripsEnumNameAndJcaName(HashAlgorithm algorithm) {
        assertEquals(algorithm, HashAlgorithm.parse(algorithm.name()));
        assertEquals(algorithm, HashAlgorithm.parse(algorithm.jcaName()));
    }

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void jcaNameIsAnAvailableMacWhoseOutputIsTheRecommendedKeyLength(HashAlgorithm algorithm) {
        Mac mac = assertDoesNotThrow(() -> Mac.getInstance(algorithm.jcaName()));
        assertEquals(algorithm.recommendedKeyLength(), mac.getMacLength());
    }

    @Test
    void recommendedKeyLengthsAreThoseOfRfc6238Seeds() {
        assertEquals(20, HashAlgorithm.SHA1.recommendedKeyLength());
        assertEquals(32, HashAlgorithm.SHA256.recommendedKeyLength());
        assertEquals(64, HashAlgorithm.SHA512.recommendedKeyLength());
    }
}
