package org.otpappliance.otp.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class HotpPropertiesTest {

    @Provide
    static Arbitrary<byte[]> keys() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(100);
    }

    /** RFC 4226 section 5.3 written independently of Hotp: HMAC, DT, then Snum mod 10^Digit. */
    static int reference(byte[] key, long counter, int digits, HashAlgorithm algorithm) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(algorithm.jcaName());
        mac.init(new SecretKeySpec(key, "RAW"));
        byte[] hs = mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(counter).array());
        int offset = hs[hs.length - 1] & 0xf;
        long snum = ByteBuffer.wrap(hs, offset, 4).getInt() & 0x7fff_ffffL;
        return (int) (snum % (long) Math.pow(10, digits));
    }

    @Property(tries = 500)
    @Label("value is RFC 4226 section 5.3 truncation for any key, counter, digits and hash")
    void valueMatchesIndependentImplementation(@ForAll("keys") byte[] key, @ForAll long counter,
                                                @ForAll @IntRange(min = 6, max = 8) int digits,
                                                @ForAll HashAlgorithm algorithm) throws GeneralSecurityException {
        assertEquals(reference(key, counter, digits, algorithm), Hotp.value(key, counter, digits, algorithm));
    }

    @Property(tries = 300)
    @Label("the cached Mac is re-keyed: interleaving keys and hashes changes no value")
    void interleavedKeysAndAlgorithmsAgree(@ForAll("keys") byte[] key1, @ForAll("keys") byte[] key2,
                                           @ForAll long counter, @ForAll HashAlgorithm a1, @ForAll HashAlgorithm a2) {
        int first = Hotp.value(key1, counter, 8, a1);
        Hotp.value(key2, counter + 1, 6, a2);
        Hotp.value(key2, counter, 7, a1);
        assertEquals(first, Hotp.value(key1, counter, 8, a1));
    }

    @Property(tries = 300)
    @Label("fewer digits are the low-order digits of the same truncated value")
    void fewerDigitsAreLowOrderDigits(@ForAll("keys") byte[] key, @ForAll long counter, @ForAll HashAlgorithm algorithm) {
        int eight = Hotp.value(key, counter, 8, algorithm);
        assertEquals(eight % 10_000_000, Hotp.value(key, counter, 7, algorithm));
        assertEquals(eight % 1_000_000, Hotp.value(key, counter, 6, algorithm));
    }

    @Property(tries = 300)
    @Label("code is the value zero-padded to exactly Digit decimal digits")
    void codeIsZeroPaddedValue(@ForAll("keys") byte[] key, @ForAll long counter,
                               @ForAll @IntRange(min = 6, max = 8) int digits, @ForAll HashAlgorithm algorithm) {
        String code = Hotp.code(key, counter, digits, algorithm);
        assertEquals(digits, code.length());
        assertTrue(code.chars().allMatch(ch -> ch >= '0' && ch <= '9'), code);
        assertEquals(Hotp.value(key, counter, digits, algorithm), Integer.parseInt(code));
    }

    @Property
    @Label("format pads with leading zeros and round-trips through parseInt")
    void formatRoundTrips(@ForAll @IntRange(min = 0, max = 99_999_999) int value,
                          @ForAll @IntRange(min = 6, max = 8) int digits) {
        int v = value % (int) Math.pow(10, digits);
        String s = Hotp.format(v, digits);
        assertEquals(String.format(Locale.ROOT, "%0" + digits + "d", v), s);
    }

    @Property
    @Label("matches accepts exactly the formatted value")
    void matchesAcceptsFormattedValue(@ForAll @IntRange(min = 0, max = 99_999_999) int value,
                                      @ForAll @IntRange(min = 6, max = 8) int digits) {
        int v = value % (int) Math.pow(10, digits);
        assertTrue(Hotp.matches(Hotp.format(v, digits), v, digits));
    }

    @Property
    @Label("matches rejects a code that differs in any one position")
    void matchesRejectsOneDifferentCharacter(@ForAll @IntRange(min = 0, max = 99_999_999) int value,
                                             @ForAll @IntRange(min = 6, max = 8) int digits,
                                             @ForAll @IntRange(min = 0, max = 7) int position,
                                             @ForAll char replacement) {
        int v = value % (int) Math.pow(10, digits);
        char[] typed = Hotp.format(v, digits).toCharArray();
        int at = position % digits;
        typed[at] = typed[at] == replacement ? (char) (replacement + 1) : replacement;
        assertFalse(Hotp.matches(new String(typed), v, digits), new String(typed));
    }

    @Property
    @Label("matches rejects the code with a character added or removed")
    void matchesRejectsWrongLength(@ForAll @IntRange(min = 0, max = 99_999_999) int value,
                                   @ForAll @IntRange(min = 6, max = 8) int digits, @ForAll char extra) {
        int v = value % (int) Math.pow(10, digits);
        String code = Hotp.format(v, digits);
        assertFalse(Hotp.matches(code + extra, v, digits));
        assertFalse(Hotp.matches(extra + code, v, digits));
        assertFalse(Hotp.matches(code.substring(1), v, digits));
        assertFalse(Hotp.matches(code.substring(0, digits - 1), v, digits));
        assertFalse(Hotp.matches("", v, digits));
    }

    @Property
    @Label("digits outside 6..8 are rejected")
    void digitsOutsideRangeRejected(@ForAll("keys") byte[] key, @ForAll int digits) {
        if (digits >= Hotp.MIN_DIGITS && digits <= Hotp.MAX_DIGITS) {
            Hotp.checkDigits(digits);
            return;
        }
        assertThrows(IllegalArgumentException.class, () -> Hotp.checkDigits(digits));
        assertThrows(IllegalArgumentException.class, () -> Hotp.value(key, 0, digits, HashAlgorithm.SHA1));
        assertThrows(IllegalArgumentException.class, () -> Hotp.code(key, 0, digits, HashAlgorithm.SHA1));
    }

    @Example
    @Label("digits 5 and 9, the neighbours of the allowed range, are rejected")
    void digitBoundaries() {
        assertThrows(IllegalArgumentException.class, () -> Hotp.checkDigits(5));
        assertThrows(IllegalArgumentException.class, () -> Hotp.checkDigits(9));
        Hotp.checkDigits(6);
        Hotp.checkDigits(8);
    }

    @Example
    @Label("format keeps leading zeros")
    void formatKeepsLeadingZeros() {
        assertEquals("000000", Hotp.format(0, 6));
        assertEquals("0000007", Hotp.format(7, 7));
        assertEquals("07081804", Hotp.format(7_081_804, 8));
        assertEquals("999999", Hotp.format(999_999, 6));
    }

    @Example
    @Label("the counter is the 8-byte big-endian unsigned value, so -1 is 2^64 - 1")
    void counterIsEightByteBigEndian() throws GeneralSecurityException {
        byte[] key = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        assertEquals(reference(key, -1L, 8, HashAlgorithm.SHA1), Hotp.value(key, -1L, 8, HashAlgorithm.SHA1));
        assertEquals(reference(key, 1L << 32, 8, HashAlgorithm.SHA1), Hotp.value(key, 1L << 32, 8, HashAlgorithm.SHA1));
    }
}
