package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.token.TokenType;

/** The PSKC variants vendors write: TOTP profiles, hash suites, Yubico's AES keys, draft-era spellings, encrypted integers. */
class PskcFormatsTest {
    private static final String SECRET_B64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=";

    private static String container(String keys) {
        return "<?xml version=\"1.0\"?><pskc:KeyContainer Version=\"1.0\" xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\">"
                + keys + "</pskc:KeyContainer>";
    }

    private static String key(String serial, String algorithm, String params, String data, String extra) {
        return "<pskc:KeyPackage><pskc:DeviceInfo><pskc:SerialNo>" + serial + "</pskc:SerialNo></pskc:DeviceInfo>"
                + "<pskc:Key Id=\"k" + serial + "\" Algorithm=\"" + algorithm + "\"><pskc:AlgorithmParameters>" + params
                + "</pskc:AlgorithmParameters><pskc:Data><pskc:Secret><pskc:PlainValue>" + SECRET_B64
                + "</pskc:PlainValue></pskc:Secret>" + data + "</pskc:Data>" + extra + "</pskc:Key></pskc:KeyPackage>";
    }

    private static String plain(String element, String value) {
        return "<pskc:" + element + "><pskc:PlainValue>" + value + "</pskc:PlainValue></pskc:" + element + ">";
    }

    @Test
    void totpWithSuiteDigitsAndInterval() throws SeedFileException {
        String xml = container(key("T1", Pskc.TOTP, "<pskc:Suite>HMAC-SHA256</pskc:Suite><pskc:ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>",
                plain("Time", "0") + plain("TimeInterval", "60") + plain("TimeDrift", "-3"), ""));
        SeedRecord r = Collected.parse(Pskc.plain(), xml).only();
        assertEquals(SeedRecord.totp("T1", PskcRfc6030Test.RFC_SECRET, HashAlgorithm.SHA256, 8, 60, null), r);
    }

    @Test
    void totpDefaultsAndTheHashFormsVendorsUse() throws SeedFileException {
        String xml = container(key("T2", "urn:ietf:params:xml:ns:keyprov:pskc#totp", "", "", "")
                + key("T3", "urn:ietf:params:xml:ns:keyprov:pskc#hotp", "<pskc:Suite hashalgo=\"sha512\"/>", plain("Counter", "7"), "")
                + key("T4", Pskc.TOTP, "<pskc:Suite>SHA-1</pskc:Suite><pskc:ResponseFormat Length=\"6\"/>", "", ""));
        Collected c = Collected.parse(Pskc.plain(), xml);
        assertEquals(List.of(
                SeedRecord.totp("T2", PskcRfc6030Test.RFC_SECRET, HashAlgorithm.SHA1, 6, 30, null),
                SeedRecord.hotp("T3", PskcRfc6030Test.RFC_SECRET, HashAlgorithm.SHA512, 6, 7, null),
                SeedRecord.totp("T4", PskcRfc6030Test.RFC_SECRET, HashAlgorithm.SHA1, 6, 30, null)), c.records);
        assertTrue(c.problems.isEmpty());
    }

    @Test
    void badKeysAreRejectedOneByOneWithReasons() throws SeedFileException {
        String xml = container(
                key("B1", Pskc.TOTP, "<pskc:ResponseFormat Length=\"6\" Encoding=\"HEXADECIMAL\"/>", "", "")
                + key("B2", Pskc.TOTP, "<pskc:ResponseFormat Length=\"10\" Encoding=\"DECIMAL\"/>", "", "")
                + key("B3", Pskc.TOTP, "<pskc:Suite>HMAC-MD5</pskc:Suite>", "", "")
                + key("B4", Pskc.TOTP, "", plain("Time", "1234567"), "")
                + key("B5", Pskc.HOTP, "", plain("Counter", "-1"), "")
                + key("B6", Pskc.HOTP, "", plain("Counter", "seven"), "")
                + key("B7", "urn:ietf:params:xml:ns:keyprov:pskc:ocra", "", "", "")
                + key("OK", Pskc.HOTP, "", "", "")
                + "<pskc:KeyPackage><pskc:DeviceInfo><pskc:SerialNo>B8</pskc:SerialNo></pskc:DeviceInfo></pskc:KeyPackage>"
                + "<pskc:KeyPackage><pskc:Key Id=\"B9\" Algorithm=\"" + Pskc.HOTP + "\"><pskc:Data/></pskc:Key></pskc:KeyPackage>"
                + "<pskc:KeyPackage><pskc:Key Algorithm=\"" + Pskc.HOTP + "\"><pskc:Data/></pskc:Key></pskc:KeyPackage>"
                + "<pskc:KeyPackage><pskc:Key Id=\"B10\" Algorithm=\"" + Pskc.HOTP + "\"><pskc:Data><pskc:Secret><pskc:PlainValue>@@</pskc:PlainValue></pskc:Secret></pskc:Data></pskc:Key></pskc:KeyPackage>");
        Collected c = Collected.parse(Pskc.plain(), xml);
        assertEquals(List.of("OK"), c.records.stream().map(SeedRecord::serial).toList());
        assertEquals(List.of(
                new ItemProblem("KeyPackage 1 (serial B1)", "unsupported response encoding HEXADECIMAL (DECIMAL only)"),
                new ItemProblem("KeyPackage 2 (serial B2)", "unsupported digits (6 to 8)"),
                new ItemProblem("KeyPackage 3 (serial B3)", "unknown hash in Suite HMAC-MD5"),
                new ItemProblem("KeyPackage 4 (serial B4)", "unsupported Time (T0) other than 0"),
                new ItemProblem("KeyPackage 5 (serial B5)", "bad Counter value (0 or more)"),
                new ItemProblem("KeyPackage 6 (serial B6)", "bad Counter value"),
                new ItemProblem("KeyPackage 7 (serial B7)", "unknown algorithm urn:ietf:params:xml:ns:keyprov:pskc:ocra"),
                new ItemProblem("KeyPackage 9 (serial B8)", "missing field: Key"),
                new ItemProblem("KeyPackage 10 (serial B9)", "missing field: Secret"),
                new ItemProblem("KeyPackage 11", "missing field: serial (DeviceInfo/SerialNo or the Key Id)"),
                new ItemProblem("KeyPackage 12 (serial B10)", "bad base64 in the secret")), c.problems);
    }

    @Test
    void yubicoGuiExportGivesAesKeyAndIdsFromUserId() throws SeedFileException {
        Collected c = Collected.resource(Pskc.plain(), "yubikey-gui-export.pskc.xml");
        assertEquals(2, c.records.size(), c.toString());
        SeedRecord y = c.records.get(0);
        assertEquals(TokenType.YUBICO, y.type());
        assertEquals("508326", y.serial());
        assertEquals("vvcccbhkfnji", y.yubicoPublicId());
        assertArrayEquals(HexFormat.of().parseHex("27d4e1ed8867"), y.yubicoPrivateId());
        assertArrayEquals(HexFormat.of().parseHex("db902c544973979d1e0b830882f0fda5"), y.secret());
        assertNull(y.algorithm());
        assertEquals(0, y.digits());
        assertNull(y.userId());
        SeedRecord h = c.records.get(1);
        assertEquals(SeedRecord.hotp("1382042", HexFormat.of().parseHex("265f4ad030e0264f7b695f1eef5b4deb4677e98d"),
                HashAlgorithm.SHA1, 6, 16, null), h);
        assertEquals(List.of(new ItemProblem("KeyPackage 3 (serial 508327)", "missing field: private id (UID= in UserId)")), c.problems);
    }

    @Test
    void yubicoKeyChecks() throws SeedFileException {
        String aes16 = "ASNFZ4mrze/+3LqYdlQyEA==";
        String wrongLength = container(key("Y1", Pskc.YUBIKEY_AES, "", "", "<pskc:UserId>CN=vvcccbhkfnji, UID=27d4e1ed8867</pskc:UserId>"));
        assertEquals(List.of("the Yubico OTP AES key is not 16 bytes"), Collected.parse(Pskc.plain(), wrongLength).reasons());
        String base = container(key("Y2", Pskc.YUBIKEY_AES, "", "", "<pskc:UserId>%s</pskc:UserId>")).replace(SECRET_B64, aes16);
        assertEquals(List.of("bad public id (2 to 16 modhex characters, an even number)"),
                Collected.parse(Pskc.plain(), base.formatted("CN=vvcccbhkfnjz, UID=27d4e1ed8867")).reasons());
        assertEquals(List.of("bad private id (12 hex digits)"),
                Collected.parse(Pskc.plain(), base.formatted("CN=vvcccbhkfnji, UID=27d4e1ed88")).reasons());
        assertEquals(List.of("missing field: public id (CN= in UserId)"),
                Collected.parse(Pskc.plain(), base.formatted("jsmith")).reasons());
        // DeviceInfo/UserId serves when the Key has none; the public id is lower-cased.
        String device = base.replace("<pskc:UserId>%s</pskc:UserId>", "")
                .replace("<pskc:SerialNo>Y2</pskc:SerialNo>", "<pskc:SerialNo>Y2</pskc:SerialNo><pskc:UserId>uid=27D4E1ED8867,cn=VVCCCBHKFNJI</pskc:UserId>");
        SeedRecord r = Collected.parse(Pskc.plain(), device).only();
        assertEquals("vvcccbhkfnji", r.yubicoPublicId());
        assertArrayEquals(HexFormat.of().parseHex("27d4e1ed8867"), r.yubicoPrivateId());
    }

    @Test
    void draftEraSpellingsAreRead() throws SeedFileException {
        String xml = "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc:1.0\"><Device><DeviceInfo>"
                + "<SerialNo>987654323</SerialNo></DeviceInfo><Key KeyAlgorithm=\"urn:ietf:params:xml:ns:keyprov:pskc#totp\" KeyId=\"x\">"
                + "<Usage OTP=\"true\"><ResponseFormat Length=\"8\" Format=\"DECIMAL\"/></Usage><Data><Secret><PlainValue>\n  "
                + SECRET_B64 + "\n  </PlainValue></Secret><TimeInterval><PlainValue>30</PlainValue></TimeInterval></Data></Key></Device></KeyContainer>";
        assertEquals(SeedRecord.totp("987654323", PskcRfc6030Test.RFC_SECRET, HashAlgorithm.SHA1, 8, 30, null),
                Collected.parse(Pskc.plain(), xml).only());
    }

    @Test
    void encryptedCounterAndIntervalAreDecrypted() throws SeedFileException {
        byte[] psk = PskcWriter.random(16);
        SeedRecord hotp = SeedRecord.hotp("E1", PskcWriter.random(20), HashAlgorithm.SHA1, 6, 123_456_789_012L, "bob");
        SeedRecord totp = SeedRecord.totp("E2", PskcWriter.random(32), HashAlgorithm.SHA256, 8, 45, null);
        String xml = PskcWriter.preSharedKey(psk, true).write(List.of(hotp, totp));
        assertEquals(List.of(hotp, totp), Collected.parse(Pskc.withPreSharedKey(psk), xml).records);
    }

    @Test
    void keysOtherThanTheContainersAreSkipped() throws SeedFileException {
        String xml = container("<pskc:Signature><pskc:anything>x</pskc:anything></pskc:Signature><!-- c --><?pi x?>"
                + key("S1", Pskc.HOTP, "", "", ""));
        assertEquals("S1", Collected.parse(Pskc.plain(), xml).only().serial());
    }

    @Test
    void unsupportedKeyDerivationAndMacAreFileFailures() {
        String pbkdf2 = Collected.resourceText("rfc6030-figure7.xml");
        SeedFileException e = assertThrows(SeedFileException.class, () -> Collected.parse(Pskc.withPassword("x".toCharArray()),
                pbkdf2.replace(Pskc.PBKDF2, "http://www.example.com/#scrypt")));
        assertEquals("unsupported key derivation http://www.example.com/#scrypt (PBKDF2 only)", e.getMessage());
        e = assertThrows(SeedFileException.class, () -> Collected.parse(Pskc.withPassword("x".toCharArray()),
                pbkdf2.replace("<IterationCount>1000</IterationCount>", "<IterationCount>2000000000</IterationCount>")));
        assertEquals("bad PBKDF2 IterationCount (1 to 10000000)", e.getMessage());
        e = assertThrows(SeedFileException.class, () -> Collected.parse(Pskc.withPassword(PskcRfc6030Test.FIGURE7_PASSWORD),
                pbkdf2.replace(Pskc.HMAC_SHA1, "http://www.w3.org/2001/04/xmldsig-more#hmac-md5")));
        assertTrue(e.getMessage().startsWith("unsupported MACMethod"), e.getMessage());
    }

    @Test
    void pbkdf2PrfCanBeNamed() throws SeedFileException {
        char[] password = "pässwörd".toCharArray();
        byte[] salt = PskcWriter.random(8);
        SeedRecord r = SeedRecord.totp("P1", PskcWriter.random(20), HashAlgorithm.SHA1, 6, 30, null);
        String xml = PskcWriter.password(password, salt, 10, false).write(List.of(r));
        assertEquals(r, Collected.parse(Pskc.withPassword(password), xml).only());
        // The same file claiming HMAC-SHA256 as PRF derives another key: the MAC key no longer decrypts or verifies.
        String sha256 = xml.replace("<PRF/>", "<PRF Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>");
        List<String> reasons = Collected.parse(Pskc.withPassword(password), sha256).reasons();
        assertEquals(1, reasons.size());
        assertTrue(List.of("wrong password or key", "wrong MAC").contains(reasons.get(0)), reasons.toString());
    }

    @Test
    void constructorsCheckTheirArguments() {
        assertThrows(IllegalArgumentException.class, () -> Pskc.withPreSharedKey(new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> Pskc.withPassword(null));
        byte[] psk = new byte[16];
        Pskc p = Pskc.withPreSharedKey(psk);
        psk[0] = 1; // the parser keeps its own copy
        assertEquals("Pskc[pre-shared key]", p.toString());
    }
}
