package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.token.TokenType;

class YubikeyCsvTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void traditionalFormat() throws SeedFileException {
        Collected c = Collected.resource(new YubikeyCsv(), "yubikey-traditional.csv");
        assertEquals(List.of(
                SeedRecord.yubico("YKvvcccbhkfnji", hex("db902c544973979d1e0b830882f0fda5"), "vvcccbhkfnji", hex("27d4e1ed8867"), null),
                SeedRecord.hotp("YKubhecbdefghi", hex("265f4ad030e0264f7b695f1eef5b4deb4677e98d"), HashAlgorithm.SHA1, 6, 0, null),
                // The next two rows have a local time with a comma in it.
                SeedRecord.yubico("YKvvcccbhkfnjk", hex("7e8b9996b64071bba93c88c71ed1d700"), "vvcccbhkfnjk", hex("a9c77fee3b4a"), null),
                SeedRecord.hotp("YKubhecbdefghj", hex("853bd8cf91bedaf3a4de93cbb51efea3a05a52a8"), HashAlgorithm.SHA1, 8, 32, null)),
                c.records);
        assertEquals(List.of(
                new ItemProblem("line 4", "unsupported configuration (Static Password)"),
                new ItemProblem("line 5", "unsupported configuration (Challenge-Response: HMAC-SHA1)"),
                new ItemProblem("line 10", "missing field: public id (the traditional log has no serial column; the serial is YK + public id)"),
                new ItemProblem("line 11", "bad hex in the AES key"),
                new ItemProblem("line 12", "bad private id (12 hex digits)")), c.problems);
    }

    @Test
    void yubicoFormat() throws SeedFileException {
        Collected c = Collected.resource(new YubikeyCsv(), "yubikey-yubico.csv");
        assertEquals(List.of(
                SeedRecord.yubico("508326", hex("db902c544973979d1e0b830882f0fda5"), "vvcccbhkfnji", hex("27d4e1ed8867"), null),
                SeedRecord.hotp("508326", hex("265f4ad030e0264f7b695f1eef5b4deb4677e98d"), HashAlgorithm.SHA1, 6, 0, null),
                SeedRecord.hotp("1382042", hex("a472c199baa1e33ac64541030afcea4a1ffc4935"), HashAlgorithm.SHA1, 6, 16, null),
                SeedRecord.yubico("YKvvcccbhkfnjk", hex("7e8b9996b64071bba93c88c71ed1d700"), "vvcccbhkfnjk", hex("a9c77fee3b4a"), null)),
                c.records);
        assertEquals(List.of(
                new ItemProblem("line 4", "unsupported configuration (static password or challenge-response)"),
                new ItemProblem("line 6", "missing field: serial (no YubiKey serial and no public id)"),
                new ItemProblem("line 7", "unrecognised row (neither Yubico OTP: 12 hex digits of private id and a 32-hex-digit key,"
                        + " nor OATH-HOTP: a counter and a 40-hex-digit key)")), c.problems);
    }

    @Test
    void yubicoFormatDigitsAreASetting() throws SeedFileException {
        SeedRecord r = Collected.parse(new YubikeyCsv(8), "508326,,0,265f4ad030e0264f7b695f1eef5b4deb4677e98d,,2013-12-12T08:41:07,").only();
        assertEquals(8, r.digits());
        assertThrows(IllegalArgumentException.class, () -> new YubikeyCsv(7));
    }

    @Test
    void unknownRowsAndShortRows() throws SeedFileException {
        Collected c = Collected.parse(new YubikeyCsv(), String.join("\n",
                "Configuration Swap,12/11/2013 11:10,1,,,,,,0,0,0,0,0,0,0,0,0,0",
                "Something else,1,2,3",
                "508326,vvcccbhkfnji",
                "Yubico OTP,12/11/2013 11:10,1",
                "OATH-HOTP,12/11/2013 11:10,1,ubhecbdefghi,,265f4ad030e0264f7b695f1eef5b4deb4677e98d,,,0,0,0,7,0,0,0,0,0,0",
                "Yubico OTP,12/11/2013 11:10,1,VVCCCBHKFNJI,27D4E1ED8867,DB902C544973979D1E0B830882F0FDA5,,,0,0,0,0,0,0,0,0,0,0"));
        assertEquals(List.of("unsupported configuration (Configuration Swap)",
                "unrecognised row (neither a known event type nor a serial in the first column)",
                "missing fields (serial,public id,private id or counter,key,...)",
                "missing field: public id",
                "bad HOTP digits (6 or 8)"), c.reasons());
        SeedRecord upper = c.records.get(0);
        assertEquals(TokenType.YUBICO, upper.type());
        assertEquals("YKvvcccbhkfnji", upper.serial());
        assertEquals("vvcccbhkfnji", upper.yubicoPublicId());
        assertArrayEquals(hex("27d4e1ed8867"), upper.yubicoPrivateId());
    }
}
