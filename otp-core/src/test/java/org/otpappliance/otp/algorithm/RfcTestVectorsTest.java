package org.otpappliance.otp.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("RFC test vectors")
class RfcTestVectorsTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Nested
    @DisplayName("RFC 4226 Appendix D - HOTP Algorithm: Test Values")
    class Rfc4226AppendixD {
        static final byte[] SECRET = ascii("12345678901234567890");

        static Stream<Arguments> testValues() {
            return CsvVectors.read("rfc4226-appendix-d.csv", "counter", "hotp").stream()
                    .map(r -> Arguments.of(Long.parseLong(r[0]), r[1]));
        }

        @Test
        @DisplayName("the table covers Count 0 through 9")
        void tableCoversCountZeroToNine() {
            List<Long> counters = testValues().map(a -> (Long) a.get()[0]).collect(Collectors.toList());
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), counters);
        }

        @ParameterizedTest(name = "Count {0}: HOTP {1}")
        @MethodSource("testValues")
        @DisplayName("HOTP(K, C) with K = \"12345678901234567890\", Digit = 6, HMAC-SHA-1")
        void hotpValue(long counter, String expected) {
            assertEquals(expected, Hotp.code(SECRET, counter, 6, HashAlgorithm.SHA1));
            assertEquals(Integer.parseInt(expected), Hotp.value(SECRET, counter, 6, HashAlgorithm.SHA1));
        }
    }

    @Nested
    @DisplayName("RFC 6238 Appendix B - Test Vectors")
    class Rfc6238AppendixB {
        static final int DIGITS = 8;
        static final int X = 30;

        static byte[] seed(HashAlgorithm algorithm) {
            return switch (algorithm) {
                case SHA1 -> ascii("12345678901234567890");
                case SHA256 -> ascii("12345678901234567890123456789012");
                case SHA512 -> ascii("1234567890123456789012345678901234567890123456789012345678901234");
            };
        }

        static Stream<Arguments> testVectors() {
            return CsvVectors.read("rfc6238-appendix-b.csv", "unix_time", "algorithm", "totp").stream()
                    .map(r -> Arguments.of(Long.parseLong(r[0]), HashAlgorithm.valueOf(r[1]), r[2]));
        }

        @Test
        @DisplayName("the table has six times for each of SHA1, SHA256 and SHA512")
        void tableCoversEveryMode() {
            assertEquals(18, testVectors().count());
            for (HashAlgorithm a : HashAlgorithm.values()) {
                assertEquals(6, testVectors().filter(args -> args.get()[1] == a).count(), a.name());
            }
        }

        @Test
        @DisplayName("the seeds are as long as the hash output")
        void seedLengthsMatchHashOutput() {
            for (HashAlgorithm a : HashAlgorithm.values()) {
                assertEquals(a.recommendedKeyLength(), seed(a).length, a.name());
            }
        }

        @ParameterizedTest(name = "Time (sec) {0}, Mode {1}: TOTP {2}")
        @MethodSource("testVectors")
        @DisplayName("TOTP with T0 = 0, X = 30, 8 digits")
        void totpValue(long unixTime, HashAlgorithm mode, String expected) {
            assertEquals(expected, Totp.code(seed(mode), unixTime, X, DIGITS, mode));
        }

        @ParameterizedTest(name = "Time (sec) {0}, Mode {1}")
        @MethodSource("testVectors")
        @DisplayName("T = floor(Time / X), and TOTP = HOTP(K, T)")
        void totpIsHotpOfTimeStep(long unixTime, HashAlgorithm mode, String expected) {
            long t = Totp.timeStep(unixTime, X);
            assertEquals(unixTime / X, t);
            assertEquals(expected, Hotp.code(seed(mode), t, DIGITS, mode));
        }
    }
}
