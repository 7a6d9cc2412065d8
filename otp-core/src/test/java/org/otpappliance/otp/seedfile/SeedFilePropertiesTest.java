package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.token.TokenType;

class SeedFilePropertiesTest {

    @Provide
    Arbitrary<List<SeedRecord>> oathCsvRecords() {
        return SeedArbitraries.oathRecords(false).list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<List<SeedRecord>> pskcRecords() {
        return Arbitraries.oneOf(SeedArbitraries.oathRecords(true), SeedArbitraries.yubicoRecords(SeedArbitraries.serials()))
                .list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<SeedRecord>> yubikeyRecords() {
        Arbitrary<SeedRecord> hotp = net.jqwik.api.Combinators.combine(SeedArbitraries.publicIds(),
                Arbitraries.bytes().array(byte[].class).ofSize(20), Arbitraries.of(6, 8), Arbitraries.longs().between(0, 1_048_560))
                .as((p, k, d, c) -> SeedRecord.hotp("YK" + p, k, HashAlgorithm.SHA1, d, c, null));
        Arbitrary<SeedRecord> yubico = SeedArbitraries.publicIds().flatMap(p ->
                SeedArbitraries.yubicoRecords(Arbitraries.just("YK" + p)).map(r ->
                        SeedRecord.yubico("YK" + p, r.secret(), p, r.yubicoPrivateId(), null)));
        return Arbitraries.oneOf(hotp, yubico).list().ofMaxSize(12);
    }

    private static String csvField(String s, boolean quote) {
        return quote || s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    @Property(tries = 200)
    @Label("OATH CSV: records written as lines (quoted or not, any case, with a header and comments) parse back equal")
    void oathCsvRoundTrip(@ForAll("oathCsvRecords") List<SeedRecord> records, @ForAll boolean header, @ForAll boolean quote,
                          @ForAll boolean upperHex, @ForAll boolean crlf) throws SeedFileException {
        String eol = crlf ? "\r\n" : "\n";
        StringBuilder csv = new StringBuilder(header ? "serial,hexseed,type,digits,counter-or-period,user" + eol : "");
        for (SeedRecord r : records) {
            String hex = Hex.encode(r.secret());
            List<String> fields = new ArrayList<>(List.of(r.serial(), upperHex ? hex.toUpperCase() : hex,
                    quote ? r.type().wireName().toUpperCase() : r.type().wireName(), String.valueOf(r.digits()),
                    String.valueOf(r.type() == TokenType.HOTP ? r.counter() : r.periodSeconds())));
            if (r.userId() != null) {
                fields.add(r.userId());
            }
            csv.append("# ").append(r.serial()).append(eol).append(eol);
            csv.append(String.join(",", fields.stream().map(f -> csvField(f, quote)).toList())).append(eol);
        }
        Collected c = Collected.parse(new OathCsv(), csv.toString());
        assertEquals(List.of(), c.problems);
        assertEquals(records, c.records);
    }

    @Property(tries = 300)
    @Label("OATH CSV and YubiKey CSV: any text gives one record or one problem per non-blank, non-comment line, never an exception")
    void csvParsersTakeAnyText(@ForAll @Size(max = 8) List<@net.jqwik.api.constraints.StringLength(max = 120) String> lines)
            throws SeedFileException {
        List<String> flat = lines.stream().map(l -> l.replace('\n', ' ').replace('\r', ' ')).toList();
        String text = String.join("\n", flat);
        long items = flat.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
        Collected oath = Collected.parse(new OathCsv(), text);
        String first = flat.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElse("");
        boolean headerSkipped = first.toLowerCase().startsWith("serial") && splitsToSerial(first);
        assertEquals(items - (headerSkipped ? 1 : 0), oath.records.size() + oath.problems.size());
        Collected yk = Collected.parse(new YubikeyCsv(), text);
        long logging = flat.stream().map(String::strip).filter(l -> l.toUpperCase().startsWith("LOGGING START")).count();
        assertEquals(items - logging, yk.records.size() + yk.problems.size());
    }

    private static boolean splitsToSerial(String line) {
        try {
            return CsvLine.split(line).get(0).equalsIgnoreCase("serial");
        } catch (Rejected e) {
            return false;
        }
    }

    @Property(tries = 100)
    @Label("YubiKey CSV: Yubico OTP and OATH-HOTP rows in both formats parse back to the same tokens")
    void yubikeyCsvRoundTrip(@ForAll("yubikeyRecords") List<SeedRecord> records, @ForAll boolean traditional) throws SeedFileException {
        StringBuilder csv = new StringBuilder(traditional ? "LOGGING START,01.02.2024 10:00\n" : "");
        for (SeedRecord r : records) {
            String key = Hex.encode(r.secret());
            boolean yubico = r.type() == TokenType.YUBICO;
            String publicId = yubico ? r.yubicoPublicId() : r.serial().substring(2);
            if (traditional) {
                csv.append(yubico ? "Yubico OTP" : "OATH-HOTP").append(",Thursday, 1 February 2024 10:01,1,").append(publicId).append(',')
                        .append(yubico ? Hex.encode(r.yubicoPrivateId()) : "").append(',').append(key).append(",,,0,0,0,")
                        .append(yubico ? 0 : r.digits()).append(',').append(yubico ? 0 : r.counter()).append(",0,0,0,0,0\n");
            } else {
                // Serial column empty: the serial is YK + public id, as in the traditional format.
                csv.append(',').append(publicId).append(',').append(yubico ? Hex.encode(r.yubicoPrivateId()) : r.counter()).append(',')
                        .append(key).append(",000000000000,2024-02-01T10:01:00,\n");
            }
        }
        List<SeedRecord> expected = traditional ? records : records.stream().map(r -> r.type() == TokenType.HOTP
                ? SeedRecord.hotp(r.serial(), r.secret(), HashAlgorithm.SHA1, 6, r.counter(), null) : r).toList();
        Collected c = Collected.parse(new YubikeyCsv(), csv.toString());
        assertEquals(List.of(), c.problems);
        assertEquals(expected, c.records);
    }

    @Property(tries = 60)
    @Label("PSKC: records written plain, under a pre-shared key, or under a password parse back equal")
    void pskcRoundTrip(@ForAll("pskcRecords") List<SeedRecord> records, @ForAll @IntRange(min = 0, max = 2) int mode,
                       @ForAll boolean encryptIntegers) throws SeedFileException {
        byte[] psk = PskcWriter.random(16);
        char[] password = "correct horse".toCharArray();
        byte[] salt = PskcWriter.random(8);
        PskcWriter writer = switch (mode) {
            case 0 -> PskcWriter.plain();
            case 1 -> PskcWriter.preSharedKey(psk, encryptIntegers);
            default -> PskcWriter.password(password, salt, 3, encryptIntegers);
        };
        Pskc parser = switch (mode) {
            case 0 -> Pskc.plain();
            case 1 -> Pskc.withPreSharedKey(psk);
            default -> Pskc.withPassword(password);
        };
        Collected c = Collected.parse(parser, writer.write(records));
        assertEquals(List.of(), c.problems);
        assertEquals(records, c.records);
    }

    @Property(tries = 100)
    @Label("PSKC: changing any byte of one key's IV or ciphertext rejects exactly that key with \"wrong MAC\"")
    void anyCiphertextChangeIsAWrongMac(@ForAll("pskcRecords") List<SeedRecord> records, @ForAll @IntRange(min = 0, max = 1000) int pick,
                                        @ForAll @IntRange(min = 0, max = 10_000) int at, @ForAll @IntRange(min = 1, max = 255) int flip)
            throws SeedFileException {
        if (records.isEmpty()) {
            return;
        }
        byte[] psk = PskcWriter.random(16);
        String xml = PskcWriter.preSharedKey(psk, false).write(records);
        // The CipherValues of the secrets (the first one is the MAC key's, which would spoil every key).
        Matcher m = Pattern.compile("<pskc:Secret><pskc:EncryptedValue>.*?<xenc:CipherValue>([^<]+)</xenc:CipherValue>").matcher(xml);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(1), m.end(1)});
        }
        int victim = pick % spans.size();
        int[] span = spans.get(victim);
        byte[] bytes = Base64.getDecoder().decode(xml.substring(span[0], span[1]));
        bytes[at % bytes.length] ^= (byte) flip;
        String tampered = xml.substring(0, span[0]) + Base64.getEncoder().encodeToString(bytes) + xml.substring(span[1]);
        Collected c = Collected.parse(Pskc.withPreSharedKey(psk), tampered);
        assertEquals(records.size() - 1, c.records.size());
        assertEquals(List.of("wrong MAC"), c.reasons());
        assertEquals("KeyPackage " + (victim + 1) + " (serial " + records.get(victim).serial() + ")", c.problems.get(0).position());
    }
}
