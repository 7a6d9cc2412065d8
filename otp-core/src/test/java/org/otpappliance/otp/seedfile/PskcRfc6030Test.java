package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.token.TokenType;

/** The examples of RFC 6030 (sections 4 to 6) rebuilt as fixtures, and what happens when they are tampered with. */
class PskcRfc6030Test {
    static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    static final byte[] FIGURE6_KEY = HexFormat.of().parseHex("12345678901234567890123456789012");
    static final char[] FIGURE7_PASSWORD = "qwerty".toCharArray();

    @Test
    void figure2BasicContainerHasOneHotpKeyWithPlainSecret() throws SeedFileException {
        SeedRecord r = Collected.resource(Pskc.plain(), "rfc6030-figure2.xml").only();
        assertEquals("12345678", r.serial(), "no DeviceInfo/SerialNo, so the Key Id");
        assertEquals(TokenType.HOTP, r.type());
        assertArrayEquals("1234".getBytes(StandardCharsets.US_ASCII), r.secret());
        assertEquals(HashAlgorithm.SHA1, r.algorithm());
        assertEquals(6, r.digits(), "no ResponseFormat: 6 digits");
        assertEquals(0L, r.counter(), "no Counter: 0");
        assertNull(r.periodSeconds());
        assertNull(r.userId());
    }

    @Test
    void figure3SupplementaryDataGivesSerialDigitsAndUser() throws SeedFileException {
        SeedRecord r = Collected.resource(Pskc.plain(), "rfc6030-figure3.xml").only();
        assertEquals("987654321", r.serial(), "DeviceInfo/SerialNo wins over the Key Id");
        assertArrayEquals(RFC_SECRET, r.secret());
        assertEquals(8, r.digits());
        assertEquals(0L, r.counter());
        assertEquals("UID=jsmith,DC=example-bank,DC=net", r.userId(), "Key/UserId wins over DeviceInfo/UserId");
        // The seed is RFC 4226's: counter 0 at 8 digits gives its Appendix D value 84755224.
        assertEquals("84755224", Hotp.code(r.secret(), 0, 8, r.algorithm()));
    }

    @Test
    void figure5PinKeyIsRejectedAsUnknownAlgorithmAndTheHotpKeyGoesIn() throws SeedFileException {
        Collected c = Collected.resource(Pskc.plain(), "rfc6030-figure5.xml");
        assertEquals(1, c.records.size());
        assertArrayEquals(RFC_SECRET, c.records.get(0).secret());
        assertEquals(List.of(new ItemProblem("KeyPackage 2 (serial 987654321)",
                "unknown algorithm urn:ietf:params:xml:ns:keyprov:pskc:pin")), c.problems);
    }

    @Test
    void figure6PreSharedKeyWithMac() throws SeedFileException {
        SeedRecord r = Collected.resource(Pskc.withPreSharedKey(FIGURE6_KEY), "rfc6030-figure6.xml").only();
        assertEquals("987654321", r.serial());
        assertEquals(TokenType.HOTP, r.type());
        assertArrayEquals(RFC_SECRET, r.secret());
        assertEquals(8, r.digits());
        assertEquals(0L, r.counter());
    }

    @Test
    void figure7PasswordDerivedKeyWithMac() throws SeedFileException {
        SeedRecord r = Collected.resource(Pskc.withPassword(FIGURE7_PASSWORD), "rfc6030-figure7.xml").only();
        assertEquals("987654321", r.serial());
        assertArrayEquals(RFC_SECRET, r.secret());
        assertEquals(8, r.digits());
    }

    @Test
    void pbkdf2GivesTheKeyRfc6030Names() throws Exception {
        byte[] key = PskcCrypto.pbkdf2("HmacSHA1", "qwerty".getBytes(StandardCharsets.UTF_8),
                java.util.Base64.getDecoder().decode("Ej7/PEpyEpw="), 1000, 16);
        assertEquals("651e63cd57008476af1ff6422cd02e41", HexFormat.of().formatHex(key));
    }

    @Test
    void tamperedCiphertextIsRejectedAsWrongMac() throws SeedFileException {
        // One bit of the ciphertext's last block changed ('v' to 'w'): still valid base64, same length.
        String original = Collected.resourceText("rfc6030-figure6.xml");
        String xml = original.replace("mNPCMl8jwZqIUqGv", "mNPCMl8jwZqIUqGw");
        assertFalse(xml.equals(original));
        Collected c = Collected.parse(Pskc.withPreSharedKey(FIGURE6_KEY), xml);
        assertTrue(c.records.isEmpty());
        assertEquals(List.of(new ItemProblem("KeyPackage 1 (serial 987654321)", "wrong MAC")), c.problems);
    }

    @Test
    void tamperedValueMacIsRejectedAsWrongMac() throws SeedFileException {
        String original = Collected.resourceText("rfc6030-figure7.xml");
        String xml = original.replace("LP6xMvjtypbfT9PdkJhBZ+D6O4w=", "LP6xMvjtypbfT9PdkJhBZ+D6O4Q=");
        assertFalse(xml.equals(original));
        Collected c = Collected.parse(Pskc.withPassword(FIGURE7_PASSWORD), xml);
        assertEquals(List.of("wrong MAC"), c.reasons());
        assertTrue(c.records.isEmpty());
    }

    @Test
    void wrongPasswordRejectsTheItem() throws SeedFileException {
        Collected c = Collected.resource(Pskc.withPassword("qwertz".toCharArray()), "rfc6030-figure7.xml");
        assertTrue(c.records.isEmpty());
        assertEquals(List.of(new ItemProblem("KeyPackage 1 (serial 987654321)", "wrong password or key")), c.problems);
    }

    @Test
    void wrongPreSharedKeyRejectsTheItem() throws SeedFileException {
        byte[] wrong = FIGURE6_KEY.clone();
        wrong[0] ^= 1;
        Collected c = Collected.resource(Pskc.withPreSharedKey(wrong), "rfc6030-figure6.xml");
        assertTrue(c.records.isEmpty());
        assertEquals(1, c.problems.size());
        assertTrue(List.of("wrong password or key", "wrong MAC").contains(c.problems.get(0).reason()), c.toString());
    }

    @Test
    void wrongKeyLengthRejectsTheItem() throws SeedFileException {
        Collected c = Collected.resource(Pskc.withPreSharedKey(new byte[32]), "rfc6030-figure6.xml");
        assertEquals(List.of("wrong password or key (aes128-cbc needs a 16-byte key)"), c.reasons());
    }

    @Test
    void encryptedFileWithoutKeyOrPasswordFailsAsAWholeSayingWhatIsNeeded() {
        SeedFileException e = assertThrows(SeedFileException.class,
                () -> Collected.resource(Pskc.plain(), "rfc6030-figure6.xml"));
        assertEquals("the file's secrets are encrypted under a pre-shared key (\"Pre-shared-key\"): give the key", e.getMessage());
        e = assertThrows(SeedFileException.class, () -> Collected.resource(Pskc.plain(), "rfc6030-figure7.xml"));
        assertEquals("the file's secrets are encrypted under a key derived from a password: give the password", e.getMessage());
    }

    @Test
    void keyOfTheWrongKindFailsAsAWhole() {
        SeedFileException e = assertThrows(SeedFileException.class,
                () -> Collected.resource(Pskc.withPreSharedKey(FIGURE6_KEY), "rfc6030-figure7.xml"));
        assertTrue(e.getMessage().contains("derived from a password"), e.getMessage());
        e = assertThrows(SeedFileException.class,
                () -> Collected.resource(Pskc.withPassword(FIGURE7_PASSWORD), "rfc6030-figure6.xml"));
        assertTrue(e.getMessage().contains("pre-shared key"), e.getMessage());
    }

    @Test
    void plainFileNeedsNoKeyButAcceptsOne() throws SeedFileException {
        assertArrayEquals(RFC_SECRET, Collected.resource(Pskc.withPreSharedKey(FIGURE6_KEY), "rfc6030-figure3.xml").only().secret());
    }

    @Test
    void encryptedValuesWithoutMacMethodAreRefused() {
        String xml = Collected.resourceText("rfc6030-figure6.xml").replaceAll("(?s)<MACMethod.*</MACMethod>", "");
        SeedFileException e = assertThrows(SeedFileException.class, () -> Collected.parse(Pskc.withPreSharedKey(FIGURE6_KEY), xml));
        assertTrue(e.getMessage().contains("without a MACMethod"), e.getMessage());
    }

    @Test
    void missingValueMacRejectsTheItem() throws SeedFileException {
        String xml = Collected.resourceText("rfc6030-figure6.xml").replaceAll("(?s)<ValueMAC>.*</ValueMAC>", "");
        assertEquals(List.of("missing field: ValueMAC"), Collected.parse(Pskc.withPreSharedKey(FIGURE6_KEY), xml).reasons());
    }

    @Test
    void nothingSecretInAnyMessage() throws SeedFileException {
        String hexSecret = HexFormat.of().formatHex(RFC_SECRET);
        for (Collected c : List.of(
                Collected.resource(Pskc.withPassword("qwertz".toCharArray()), "rfc6030-figure7.xml"),
                Collected.resource(Pskc.withPreSharedKey(FIGURE6_KEY), "rfc6030-figure6.xml"),
                Collected.resource(Pskc.plain(), "rfc6030-figure5.xml"))) {
            String all = c.toString();
            assertFalse(all.contains("12345678901234567890"), all);
            assertFalse(all.contains(hexSecret), all);
            assertFalse(all.contains("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="), all);
        }
        assertFalse(Pskc.withPassword(FIGURE7_PASSWORD).toString().contains("qwerty"));
    }
}
