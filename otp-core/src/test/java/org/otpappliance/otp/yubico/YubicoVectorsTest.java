package org.otpappliance.otp.yubico;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Published vectors. Sources: yubico-c (libyubikey) test-vectors.txt, its README's ykdebug session, and
 * tests/selftest.c (crc_test1..4, otp_testvectors). The same selftest vectors appear on Yubico's
 * developer site as the Yubico OTP test vectors.
 */
@DisplayName("Yubico OTP published vectors")
class YubicoVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] DOC_KEY = HEX.parseHex("ecde18dbe76fbd0c33330f1c354871db");
    private static final byte[] DOC_UID = HEX.parseHex("8792ebfe26cc");

    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
            "cbdefghijklnrtuv, 0123456789abcdef",
            "fi, 47",
            "dteffuje, 2d344e83",
            "hknhfjbrjnlnldnhcujvddbikngjrtgh, 69b6481c8baba2b60e8f22179b58cd56",
            "urtubjtnuihvntcreeeecvbregfjibtn, ecde18dbe76fbd0c33330f1c354871db",
            "ifhgieif, 74657374",
    })
    @DisplayName("modhex: test-vectors.txt pairs, the alphabet itself, and 0x47")
    void modhexPairs(String modhex, String hex) {
        assertEquals(modhex, Modhex.encode(HEX.parseHex(hex)));
        assertEquals(hex, HEX.formatHex(Modhex.decode(modhex)));
        assertEquals(hex, HEX.formatHex(Modhex.decode(modhex.toUpperCase())));
    }

    @Test
    @DisplayName("modhex of ASCII \"test\" is ifhgieif (selftest.c modhex_test1)")
    void modhexOfTest() {
        assertEquals("ifhgieif", Modhex.encode("test".getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest(name = "crc16({0}) = {1}")
    @CsvSource({"0001020304, 62919", "fe, 4470", "55aa00ff, 52149", "010203040506307500093dfa60ea, 35339"})
    @DisplayName("CRC-16: selftest.c crc_test1..4")
    void crc16(String hex, int expected) {
        byte[] data = HEX.parseHex(hex);
        assertEquals(expected, YubicoOtpBlock.crc16(data, 0, data.length));
    }

    @Test
    @DisplayName("test-vectors.txt: dteffuje + hknhfj..., key ecde18db..., plaintext residue F0B8")
    void testVectorsTxt() {
        YubicoOtp otp = YubicoOtp.parse("dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh").orElseThrow();
        assertEquals("dteffuje", otp.publicId());
        assertEquals("69b6481c8baba2b60e8f22179b58cd56", HEX.formatHex(otp.ciphertext()));

        byte[] plaintext = HEX.parseHex("8792ebfe26cc130030c20011c89f23c8");
        assertArrayEquals(otp.ciphertext(), YubicoOtpEncoder.encrypt(plaintext, DOC_KEY), "the AES-ECB step");
        assertEquals(YubicoOtpBlock.CRC_RESIDUE, YubicoOtpBlock.crc16(plaintext, 0, 16));
        assertEquals(0xf0b8, YubicoOtpBlock.CRC_RESIDUE);

        YubicoOtpBlock block = new YubicoKey(DOC_KEY).decrypt(otp).orElseThrow();
        assertEquals(new YubicoOtpBlock(DOC_UID, 0x0013, false, 0x00c230, 0x11, 0x9fc8, 0xc823), block);
        assertTrue(block.privateIdMatches(DOC_UID));
    }

    @Test
    @DisplayName("README ykdebug session: the fields of the ykgenerate(1) example (0013 c0a8 00 10) with random 08b4")
    void readmeYkdebug() {
        YubicoOtpBlock fields = new YubicoOtpBlock(DOC_UID, 0x0013, false, 0x00c0a8, 0x10, 0x08b4, 0x5b6f);
        String typed = "dteffujedcflcindvdbrblehecuitvjkjevvehjd";
        assertEquals(typed, YubicoOtpEncoder.otp("dteffuje", DOC_KEY, fields));
        assertEquals("87 92 eb fe 26 cc 13 00 a8 c0 00 10 b4 08 6f 5b",
                HEX.withDelimiter(" ").formatHex(YubicoOtpEncoder.plaintext(fields)));
        YubicoOtp otp = YubicoOtp.parse(typed).orElseThrow();
        assertEquals("dteffuje", otp.publicId());
        assertEquals(fields, YubicoKey.decrypt(otp.ciphertext(), DOC_KEY).orElseThrow());
    }

    static Stream<Arguments> selftestVectors() {
        String key1 = "000102030405060708090a0b0c0d0e0f";
        return Stream.of(
                Arguments.of(key1, "010203040506", 0x0001, 0x0001, 0x01, 0x01, 0x0000, 0xfe36, "dvgtiblfkbgturecfllberrvkinnctnn"),
                Arguments.of(key1, "010203040506", 0x0001, 0x0001, 0x01, 0x02, 0x0000, 0x1152, "rnibcnfhdninbrdebccrndfhjgnhftee"),
                Arguments.of(key1, "010203040506", 0x0fff, 0x0001, 0x01, 0x01, 0x0000, 0x9454, "iikkijbdknrrdhfdrjltvgrbkkjblcbh"),
                Arguments.of("88888888888888888888888888888888", "888888888888", 0x8888, 0x8888, 0x88, 0x88, 0x8888, 0xd3b6,
                        "dcihgvrhjeucvrinhdfddbjhfjftjdei"),
                Arguments.of("00000000000000000000000000000000", "000000000000", 0x0000, 0x0000, 0x00, 0x00, 0x0000, 0xa96a,
                        "kkkncjnvcnenkjvjgncjihljiibgbhbh"),
                Arguments.of("c4422890653076cde73d449b191b416a", "33c69e7f249e", 0x0001, 0x13a7, 0x24, 0x00, 0xc63c, 0x1c86,
                        "iucvrkjiegbhidrcicvlgrcgkgurhjnj"));
    }

    @ParameterizedTest(name = "{8}")
    @MethodSource("selftestVectors")
    @DisplayName("selftest.c otp_testvectors: generate gives the OTP, parse gives the fields")
    void selftestVector(String key, String uid, int ctr, int tstpl, int tstph, int use, int rnd, int crc, String typed) {
        byte[] aesKey = HEX.parseHex(key);
        byte[] privateId = HEX.parseHex(uid);
        YubicoOtpBlock expected = new YubicoOtpBlock(privateId, ctr & 0x7fff, (ctr & 0x8000) != 0,
                tstph << 16 | tstpl, use, rnd, crc);
        assertEquals(typed, YubicoOtpEncoder.otp("", aesKey, YubicoOtpEncoder.plaintext(privateId, ctr, tstph << 16 | tstpl, use, rnd)));
        YubicoOtp otp = YubicoOtp.parse(typed).orElseThrow();
        assertEquals("", otp.publicId());
        assertEquals(expected, new YubicoKey(aesKey).decrypt(otp).orElseThrow());
    }

    @Test
    @DisplayName("counter 0x8888: caps-lock bit set, usage counter 0x0888")
    void capsLockBitIsMaskedOff() {
        YubicoOtpBlock block = YubicoKey.decrypt(Modhex.decode("dcihgvrhjeucvrinhdfddbjhfjftjdei"),
                HEX.parseHex("88888888888888888888888888888888")).orElseThrow();
        assertTrue(block.capsLockTriggered());
        assertEquals(0x0888, block.usageCounter());
    }
}
