package org.otpappliance.otp.yubico;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class YubicoOtpPropertiesTest {
    private static final String MODHEX_BOTH_CASES = Modhex.ALPHABET + Modhex.ALPHABET.toUpperCase(Locale.ROOT);

    @Provide
    static Arbitrary<byte[]> keys() {
        return Arbitraries.bytes().array(byte[].class).ofSize(YubicoKey.LENGTH);
    }

    @Provide
    static Arbitrary<String> publicIds() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(8).map(Modhex::encode);
    }

    /** Token fields; the crc component is a placeholder, YubicoOtpEncoder computes the real one. */
    @Provide
    static Arbitrary<YubicoOtpBlock> fields() {
        return Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofSize(YubicoOtpBlock.PRIVATE_ID_LENGTH),
                Arbitraries.integers().between(0, 0x7fff),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 0xff_ffff),
                Arbitraries.integers().between(0, 0xff),
                Arbitraries.integers().between(0, 0xffff))
                .as((uid, usage, caps, time, session, rnd) -> new YubicoOtpBlock(uid, usage, caps, time, session, rnd, 0));
    }

    /** Strings of mostly modhex letters, so that lengths 32..48 and odd lengths are both common. */
    @Provide
    static Arbitrary<String> nearlyOtps() {
        return Arbitraries.strings().withChars(MODHEX_BOTH_CASES + "xyz0 -\u0130").ofMinLength(0).ofMaxLength(56)
                .edgeCases(e -> e.add(""));
    }

    // --- modhex ---

    @Property
    @Label("modhex: decode(encode(b)) is b, in either case, and encode doubles the length")
    void modhexRoundTrips(@ForAll byte[] data) {
        String text = Modhex.encode(data);
        assertEquals(2 * data.length, text.length());
        assertTrue(Modhex.isModhex(text));
        assertArrayEquals(data, Modhex.decode(text));
        assertArrayEquals(data, Modhex.decode(text.toUpperCase(Locale.ROOT)));
    }

    @Property
    @Label("modhex: isModhex is true exactly when decode accepts")
    void isModhexAgreesWithDecode(@ForAll("nearlyOtps") String text) {
        boolean decodes;
        try {
            Modhex.decode(text);
            decodes = true;
        } catch (IllegalArgumentException e) {
            decodes = false;
        }
        assertEquals(decodes, Modhex.isModhex(text));
    }

    @Property
    @Label("modhex: one foreign character is rejected by position, without quoting the text")
    void foreignCharacterRejectedWithoutEcho(@ForAll @Size(min = 4, max = 24) byte[] data,
                                             @ForAll @IntRange(min = 0, max = 47) int position, @ForAll char foreign) {
        if (MODHEX_BOTH_CASES.indexOf(foreign) >= 0) {
            return;
        }
        char[] chars = Modhex.encode(data).toCharArray();
        int at = position % chars.length;
        chars[at] = foreign;
        String text = new String(chars);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Modhex.decode(text));
        assertEquals("not modhex at position " + (at + 1), e.getMessage());
        assertFalse(Modhex.isModhex(text));
    }

    @Property
    @Label("modhex: odd length is rejected without quoting the text")
    void oddLengthRejectedWithoutEcho(@ForAll @Size(min = 4, max = 24) byte[] data) {
        String text = Modhex.encode(data).substring(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Modhex.decode(text));
        assertFalse(e.getMessage().contains(text), e.getMessage());
        assertFalse(Modhex.isModhex(text));
    }

    // --- parsing ---

    @Property(tries = 2000)
    @Label("parse never throws, and accepts exactly 32..48 modhex characters of even length")
    void parseAcceptsExactlyTheOtpShape(@ForAll("nearlyOtps") String text) {
        Optional<YubicoOtp> otp = YubicoOtp.parse(text);
        assertEquals(text.length() >= 32 && text.length() <= 48 && Modhex.isModhex(text), otp.isPresent(), text);
        otp.ifPresent(o -> {
            assertEquals(text.substring(0, text.length() - 32).toLowerCase(Locale.ROOT), o.publicId());
            assertArrayEquals(Modhex.decode(text.substring(text.length() - 32)), o.ciphertext());
        });
    }

    @Property
    @Label("parse never throws on arbitrary strings")
    void parseNeverThrows(@ForAll String text) {
        YubicoOtp.parse(text);
    }

    @Example
    @Label("parse: length boundaries and null")
    void parseBoundaries() {
        String token = "dvgtiblfkbgturecfllberrvkinnctnn";
        assertTrue(YubicoOtp.parse(null).isEmpty());
        assertTrue(YubicoOtp.parse(token.substring(1)).isEmpty());
        assertEquals("", YubicoOtp.parse(token).orElseThrow().publicId());
        assertTrue(YubicoOtp.parse("c" + token).isEmpty());
        assertEquals("cb", YubicoOtp.parse("cb" + token).orElseThrow().publicId());
        assertEquals("cccccccccccccccb", YubicoOtp.parse("CCCCCCCCCCCCCCCB" + token).orElseThrow().publicId());
        assertTrue(YubicoOtp.parse("cccccccccccccccccb" + token).isEmpty());
        assertTrue(YubicoOtp.parse(" " + token).isEmpty());
        assertTrue(YubicoOtp.parse(token + "\n").isEmpty());
    }

    // --- encode, parse, decrypt ---

    @Property(tries = 500)
    @Label("encode -> parse -> decrypt gives back the public id and every field")
    void roundTrip(@ForAll("keys") byte[] key, @ForAll("publicIds") String publicId, @ForAll("fields") YubicoOtpBlock fields,
                   @ForAll boolean upperCase) {
        String typed = YubicoOtpEncoder.otp(publicId, key, fields);
        YubicoOtp otp = YubicoOtp.parse(upperCase ? typed.toUpperCase(Locale.ROOT) : typed).orElseThrow();
        assertEquals(publicId, otp.publicId());
        YubicoOtpBlock block = new YubicoKey(key).decrypt(otp).orElseThrow();
        assertEquals(YubicoOtpEncoder.withCrc(fields), block);
        assertTrue(block.privateIdMatches(fields.privateId()));
        assertEquals(YubicoOtpBlock.CRC_RESIDUE, YubicoOtpBlock.crc16(YubicoOtpEncoder.plaintext(fields), 0, 16));
    }

    /*
     * A random 16-byte block passes the CRC with probability 2^-16, so with fresh seeds the two properties
     * below would fail about one build in 300. A fixed seed keeps them reproducible; the exhaustive
     * example after them asserts the same without any chance.
     */

    @Property(tries = 200, seed = "7311")
    @Label("a different key gives empty")
    void wrongKeyGivesEmpty(@ForAll("keys") byte[] key, @ForAll("keys") byte[] otherKey, @ForAll("fields") YubicoOtpBlock fields) {
        if (Arrays.equals(key, otherKey)) {
            return;
        }
        YubicoOtp otp = YubicoOtp.parse(YubicoOtpEncoder.otp("", key, fields)).orElseThrow();
        assertEquals(Optional.empty(), new YubicoKey(otherKey).decrypt(otp));
    }

    @Property(tries = 200, seed = "7311")
    @Label("flipping one ciphertext bit gives empty")
    void flippedBitGivesEmpty(@ForAll("keys") byte[] key, @ForAll("fields") YubicoOtpBlock fields,
                              @ForAll @IntRange(min = 0, max = 127) int bit) {
        byte[] ciphertext = YubicoOtpEncoder.encrypt(YubicoOtpEncoder.plaintext(fields), key);
        ciphertext[bit / 8] ^= (byte) (1 << (bit % 8));
        assertEquals(Optional.empty(), YubicoKey.decrypt(ciphertext, key));
    }

    @Example
    @Label("every one of the 128 single-bit flips of one OTP fails the CRC")
    void everySingleBitFlipOfOneExampleFails() {
        byte[] key = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        byte[] ciphertext = Modhex.decode("dvgtiblfkbgturecfllberrvkinnctnn");
        YubicoKey yubicoKey = new YubicoKey(key);
        assertTrue(yubicoKey.decrypt(ciphertext).isPresent());
        for (int bit = 0; bit < 128; bit++) {
            byte[] flipped = ciphertext.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(Optional.empty(), yubicoKey.decrypt(flipped), "bit " + bit);
        }
    }

    @Example
    @Label("one YubicoKey shared by 8 threads decrypts every OTP correctly")
    void sharedKeyIsThreadSafe() throws Exception {
        byte[] key = HexFormat.of().parseHex("c4422890653076cde73d449b191b416a");
        byte[] uid = HexFormat.of().parseHex("33c69e7f249e");
        List<YubicoOtpBlock> expected = IntStream.range(0, 2000)
                .mapToObj(i -> YubicoOtpEncoder.withCrc(new YubicoOtpBlock(uid, i % 0x7fff, false, i * 7, i % 256, i, 0)))
                .toList();
        List<YubicoOtp> otps = expected.stream()
                .map(b -> YubicoOtp.parse(YubicoOtpEncoder.otp("ccccccccccbb", key, b)).orElseThrow()).toList();
        YubicoKey shared = new YubicoKey(key);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> tasks = IntStream.range(0, 8).<Callable<Boolean>>mapToObj(t -> () -> {
                for (int i = t; i < otps.size(); i += 3) {
                    if (!shared.decrypt(otps.get(i)).equals(Optional.of(expected.get(i)))) {
                        return false;
                    }
                }
                return true;
            }).toList();
            for (Future<Boolean> f : pool.invokeAll(tasks)) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    // --- block helpers ---

    @Property
    @Label("isAfter orders (usage, session) pairs lexicographically: irreflexive, and exactly one way for distinct pairs")
    void isAfterIsLexicographic(@ForAll("fields") YubicoOtpBlock a, @ForAll("fields") YubicoOtpBlock b,
                                @ForAll boolean sameUsage) {
        YubicoOtpBlock c = sameUsage ? new YubicoOtpBlock(b.privateId(), a.usageCounter(), b.capsLockTriggered(),
                b.timestamp(), b.sessionCounter(), b.random(), b.crc()) : b;
        assertFalse(a.isAfter(a.usageCounter(), a.sessionCounter()));
        boolean samePair = a.usageCounter() == c.usageCounter() && a.sessionCounter() == c.sessionCounter();
        boolean aAfter = a.isAfter(c.usageCounter(), c.sessionCounter());
        boolean cAfter = c.isAfter(a.usageCounter(), a.sessionCounter());
        assertEquals(!samePair, aAfter ^ cAfter);
        if (a.usageCounter() != c.usageCounter()) {
            assertEquals(a.usageCounter() > c.usageCounter(), aAfter);
        }
    }

    @Example
    @Label("isAfter: usage counter first, session counter only to break a tie")
    void isAfterExamples() {
        YubicoOtpBlock block = new YubicoOtpBlock(new byte[6], 5, false, 0, 3, 0, 0);
        assertTrue(block.isAfter(4, 255));
        assertTrue(block.isAfter(5, 2));
        assertFalse(block.isAfter(5, 3));
        assertFalse(block.isAfter(5, 4));
        assertFalse(block.isAfter(6, 0));
    }

    @Property
    @Label("privateIdMatches accepts its own id only")
    void privateIdMatchesOnlyItself(@ForAll("fields") YubicoOtpBlock block, @ForAll @IntRange(min = 0, max = 5) int at,
                                    @ForAll @IntRange(min = 1, max = 255) int delta) {
        byte[] id = block.privateId();
        assertTrue(block.privateIdMatches(id));
        id[at] += (byte) delta;
        assertFalse(block.privateIdMatches(id));
        assertFalse(block.privateIdMatches(Arrays.copyOf(block.privateId(), 5)));
        assertFalse(block.privateIdMatches(Arrays.copyOf(block.privateId(), 7)));
    }

    @Property
    @Label("privateId() is a copy: changing it changes nothing")
    void privateIdIsCopied(@ForAll("fields") YubicoOtpBlock block) {
        byte[] id = block.privateId();
        id[0] ^= 1;
        assertNotEquals(HexFormat.of().formatHex(id), HexFormat.of().formatHex(block.privateId()));
    }

    @Example
    @Label("out-of-range fields and wrong lengths are rejected")
    void rangesAndLengths() {
        byte[] id = new byte[6];
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(new byte[5], 0, false, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(id, 0x8000, false, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(id, -1, false, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(id, 0, false, 0x100_0000, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(id, 0, false, 0, 256, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(id, 0, false, 0, 0, 0x10000, 0));
        assertThrows(IllegalArgumentException.class, () -> new YubicoOtpBlock(id, 0, false, 0, 0, 0, 0x10000));
        assertThrows(IllegalArgumentException.class, () -> YubicoOtpBlock.fromPlaintext(new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> new YubicoKey(new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new YubicoKey(new byte[16]).decrypt(new byte[17]));
    }

    @Example
    @Label("toString shows neither the token, the key nor the private id")
    void toStringsHideSecrets() {
        byte[] key = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        String token = "dvgtiblfkbgturecfllberrvkinnctnn";
        YubicoOtp otp = YubicoOtp.parse("cccjgjgkhcbb" + token).orElseThrow();
        assertEquals("YubicoOtp[publicId=cccjgjgkhcbb]", otp.toString());
        YubicoKey yubicoKey = new YubicoKey(key);
        assertFalse(yubicoKey.toString().contains("0001020304"));
        String block = yubicoKey.decrypt(otp).orElseThrow().toString();
        assertFalse(block.contains("010203040506") || block.contains(Modhex.encode(HexFormat.of().parseHex("010203040506"))), block);
    }
}
