package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.algorithm.HashAlgorithm;

class OathCsvTest {
    private static final byte[] SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @Test
    void fixtureGoodLinesGoInBadLinesAreReportedByLine() throws SeedFileException {
        Collected c = Collected.resource(new OathCsv(), "oath.csv");
        assertEquals(List.of(
                SeedRecord.hotp("OATH0001", SEED, HashAlgorithm.SHA1, 6, 0, null),
                SeedRecord.totp("OATH0002", SEED, HashAlgorithm.SHA1, 8, 30, "alice"),
                SeedRecord.hotp("OATH0006", SEED, HashAlgorithm.SHA1, 8, 42, "Bob, Jr."),
                SeedRecord.totp("OATH0008", SEED, HashAlgorithm.SHA1, 6, 60, "carol")), c.records);
        assertEquals(List.of(
                new ItemProblem("line 6", "bad hex in the secret"),
                new ItemProblem("line 7", "missing field: counter"),
                new ItemProblem("line 8", "unknown type (hotp or totp)"),
                new ItemProblem("line 10", "bad digits (6 to 8)"),
                new ItemProblem("line 11", "missing field: serial")), c.problems);
    }

    @Test
    void otherBadLines() throws SeedFileException {
        String csv = String.join("\n",
                "S1,00ff,totp,6,30,user,extra",
                "S2,00ff,totp,6",
                "S3,00ff,totp,6,0",
                "S4,00ff,hotp,6,-1",
                "S5,0f0,hotp,6,1",
                "S6,\"00ff,hotp,6,1",
                "S7",
                "S8,00ff,hotp,six,1",
                "S9,,hotp,6,1",
                "S10,00ff,,6,1",
                "S11,00ff,hotp,,1");
        Collected c = Collected.parse(new OathCsv(), csv);
        assertEquals(List.of(), c.records);
        assertEquals(List.of(
                "too many fields (at most 6: serial,hexseed,type,digits,counter-or-period,user)",
                "missing field: period",
                "bad period (1 to 86400 seconds)",
                "bad counter (0 or more)",
                "bad hex in the secret",
                "unterminated quoted field",
                "missing field: secret",
                "bad digits (6 to 8)",
                "missing field: secret",
                "missing field: type",
                "missing field: digits"), c.reasons());
        for (int i = 0; i < c.problems.size(); i++) {
            assertEquals("line " + (i + 1), c.problems.get(i).position());
        }
    }

    @Test
    void headerOnlyOnTheFirstLineAndCommentsAnywhere() throws SeedFileException {
        String csv = "\uFEFFSerial,seed,type,digits,x\r\n#c\r\n  # indented comment\r\nA,00,hotp,6,1\r\nserial,00,hotp,6,2\r\n";
        Collected c = Collected.parse(new OathCsv(), csv);
        assertEquals(List.of("A", "serial"), c.records.stream().map(SeedRecord::serial).toList());
    }

    @Test
    void notUtf8IsOneBadLine() throws SeedFileException {
        byte[] bytes = "A,00,hotp,6,1,Jos\u00e9\nB,00,hotp,6,1,Jos".getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = "\nC,00,hotp,6,1,Jos\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[bytes.length + latin1.length];
        System.arraycopy(bytes, 0, all, 0, bytes.length);
        System.arraycopy(latin1, 0, all, bytes.length, latin1.length);
        Collected c = Collected.parse(new OathCsv(), new ByteArrayInputStream(all));
        assertEquals(List.of("José", "Jos"), c.records.stream().map(SeedRecord::userId).toList());
        assertEquals(List.of(new ItemProblem("line 3", "not UTF-8 text")), c.problems);
    }

    @Test
    void overlongLineIsOneBadLine() throws SeedFileException {
        String csv = "A,00,hotp,6,1\nB," + "0".repeat(LineReader.MAX_LINE_BYTES) + ",hotp,6,1\nC,00,hotp,6,1";
        Collected c = Collected.parse(new OathCsv(), csv);
        assertEquals(List.of("A", "C"), c.records.stream().map(SeedRecord::serial).toList());
        assertEquals(List.of(new ItemProblem("line 2", "line longer than 65536 bytes")), c.problems);
    }

    @Test
    void reasonsNeverQuoteTheLine() throws SeedFileException {
        String seed = "3132333435363738393031323334353637383930";
        // Columns shifted: the seed lands in the serial, type and digits columns.
        String csv = seed + ",totp,6,30\n" + "S," + seed + "x,totp,6,30\nS,hotp," + seed + ",6,1\nS,00," + seed + "," + seed + ",1";
        Collected c = Collected.parse(new OathCsv(), csv);
        assertEquals(4, c.problems.size(), c.toString());
        assertFalse(c.toString().contains(seed.substring(0, 16)), c.toString());
        assertFalse(c.records.toString().contains(HexFormat.of().formatHex(SEED)));
    }
}
