package org.otpappliance.otp.seedfile;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * The configuration log of the YubiKey Personalization Tool ({@code configuration_log.csv}), in either of its
 * two CSV formats; the format is recognised line by line, so a log written partly in each is read too. The
 * layouts are those the tool's logger writes ({@code YubiKeyLogger::logConfig} in yubikey-personalization-gui):
 *
 * <p><b>Traditional format</b> (the tool's default): a {@code LOGGING START,<time>} line each time logging
 * starts (skipped), then one row of 18 columns per configuration written:
 * <pre>
 *  0 event type   "Yubico OTP", "OATH-HOTP", "Static Password[: Short|: Scan Code]",
 *                 "Challenge-Response: Yubico OTP", "Challenge-Response: HMAC-SHA1",
 *                 "Configuration Update", "Configuration Swap"
 *  1 local time   (in the system's locale; may itself hold commas, so columns 2 to 17 are counted from the end)
 *  2 slot         3 public id (modhex; for OATH-HOTP the token identifier)   4 private id (hex)
 *  5 secret key (hex: the AES key, or the HMAC-SHA1 seed)   6 current access code   7 new access code
 *  8-10 oathFixedModhex1, oathFixedModhex2, oathFixedModhex   11 HOTP digits (6 or 8; 0 otherwise)
 * 12 OATH moving factor seed (the initial counter)   13-17 strongPw1, strongPw2, sendRef, chalBtnTrig, hmacLT64
 * Yubico OTP,12/11/2013 11:10,1,vvcccbhkfnji,27d4e1ed8867,db902c544973979d1e0b830882f0fda5,,,0,0,0,0,0,0,0,0,0,0
 * OATH-HOTP,11.12.13 18:55,2,ubhecbdefghi,,265f4ad030e0264f7b695f1eef5b4deb4677e98d,,,0,0,0,6,0,0,0,0,0,0
 * </pre>
 * The traditional format has no serial column: a token's serial is {@code "YK"} followed by the public id
 * (the appliance's own rule for Yubico OTP tokens); an OATH-HOTP row without a token identifier is rejected.
 *
 * <p><b>Yubico format</b>: no event type, and the second and third columns depend on the mode:
 * <pre>
 * serial,public id,private id,aes key,access code,timestamp,      Yubico OTP
 * serial,public id,moving factor seed,hmac key,access code,timestamp,    OATH-HOTP
 * serial,,0,hmac key,access code,timestamp,                  challenge-response HMAC-SHA1
 * serial,,,aes key,access code,timestamp,                    static password, challenge-response Yubico OTP
 * 508326,vvcccbhkfnji,27d4e1ed8867,db902c544973979d1e0b830882f0fda5,000000000000,2013-12-12T08:43:17,
 * 508326,,0,265f4ad030e0264f7b695f1eef5b4deb4677e98d,000000000000,2013-12-12T08:41:07,
 * </pre>
 * A row is Yubico OTP when it has a public id, a 12-hex-digit private id and a 32-hex-digit key; OATH-HOTP when
 * the third column is a number and the key is 40 hex digits (20 bytes). A challenge-response HMAC-SHA1 row and an
 * OATH-HOTP row without token identifier and with moving factor 0 are the same text: such rows are read as
 * OATH-HOTP, as other importers do. The format records neither the slot nor the number of HOTP digits; the
 * digits are the parser's {@link #YubikeyCsv(int) setting} (6 by default). The serial is the first column (the
 * YubiKey's serial number) when it is present and not 0, else {@code "YK"} followed by the public id.
 *
 * <p>Both formats: OATH-HOTP tokens use HMAC-SHA1 (the only hash a YubiKey slot has). Rows of other kinds
 * (static password, challenge-response, configuration update or swap) are rejected as
 * {@code "unsupported configuration"}. Blank lines and lines starting with {@code #} are skipped. Rows come out
 * in file order; a key written twice appears twice with the same serial, the later row being the configuration
 * the key holds now. Both slots of one key logged in the Yubico format also share the serial column. The tool's
 * "flexible" and PSKC log formats are not read here (the PSKC one is read by {@link Pskc}).
 */
public final class YubikeyCsv implements SeedFileParser {
    static final int TRADITIONAL_COLUMNS = 18;
    private static final int TRAILING_COLUMNS = TRADITIONAL_COLUMNS - 2;
    private static final int OATH_KEY_LENGTH = 20;

    private final int yubicoFormatHotpDigits;

    /** A parser that takes the OATH-HOTP rows of the Yubico format as 6-digit tokens. */
    public YubikeyCsv() {
        this(6);
    }

    /** @param yubicoFormatHotpDigits the digits of OATH-HOTP rows in the Yubico format, which does not record them: 6 or 8 */
    public YubikeyCsv(int yubicoFormatHotpDigits) {
        if (yubicoFormatHotpDigits != 6 && yubicoFormatHotpDigits != 8) {
            throw new IllegalArgumentException("a YubiKey OATH-HOTP slot has 6 or 8 digits");
        }
        this.yubicoFormatHotpDigits = yubicoFormatHotpDigits;
    }

    @Override
    public void parse(InputStream in, SeedSink sink) throws SeedFileException {
        // Lenient decoding: the local timestamp may be in a legacy code page; every other column is ASCII and checked.
        LineReader lines = new LineReader(in, false);
        try {
            for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
                String position = "line " + line.number();
                if (line.text() == null) {
                    sink.reject(new ItemProblem(position, line.problem()));
                    continue;
                }
                String text = line.text().strip();
                if (text.isEmpty() || text.startsWith("#") || text.toUpperCase(Locale.ROOT).startsWith("LOGGING START")) {
                    continue;
                }
                SeedRecord record;
                try {
                    record = record(text);
                } catch (Rejected e) {
                    sink.reject(new ItemProblem(position, e.reason()));
                    continue;
                }
                sink.accept(record);
            }
        } catch (IOException e) {
            throw new SeedFileException("cannot read the YubiKey log: " + e.getMessage(), e);
        }
    }

    SeedRecord record(String line) throws Rejected {
        // Plain split: the tool never quotes, and its local timestamp may contain commas.
        List<String> fields = new ArrayList<>(Arrays.asList(line.split(",", -1)));
        fields.replaceAll(String::strip);
        String first = fields.get(0);
        if (first.isEmpty() || first.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return yubicoFormat(fields);
        }
        return traditional(fields);
    }

    private static SeedRecord traditional(List<String> fields) throws Rejected {
        String event = fields.get(0);
        String kind = event.toLowerCase(Locale.ROOT);
        if (kind.startsWith("static password") || kind.startsWith("challenge-response")
                || kind.equals("configuration update") || kind.equals("configuration swap")) {
            throw new Rejected("unsupported configuration (" + Texts.printable(event, 40) + ")");
        }
        boolean yubico = kind.equals("yubico otp");
        if (!yubico && !kind.equals("oath-hotp")) {
            throw new Rejected("unrecognised row (neither a known event type nor a serial in the first column)");
        }
        if (fields.size() > TRADITIONAL_COLUMNS) {
            // The local time held commas: keep the last 16 columns, join the rest into column 1.
            int extra = fields.size() - TRADITIONAL_COLUMNS;
            String time = String.join(",", fields.subList(1, 2 + extra));
            List<String> merged = new ArrayList<>(TRADITIONAL_COLUMNS);
            merged.add(event);
            merged.add(time);
            merged.addAll(fields.subList(fields.size() - TRAILING_COLUMNS, fields.size()));
            fields = merged;
        }
        String publicId = CsvLine.field(fields, 3);
        if (yubico) {
            String privateId = CsvLine.field(fields, 4);
            String key = CsvLine.field(fields, 5);
            if (publicId == null) {
                throw Rejected.missing("public id");
            }
            if (privateId == null) {
                throw Rejected.missing("private id");
            }
            if (key == null) {
                throw Rejected.missing("AES key");
            }
            return yubicoRecord("YK" + publicId.toLowerCase(Locale.ROOT), publicId, privateId, key);
        }
        if (publicId == null) {
            throw new Rejected("missing field: public id (the traditional log has no serial column; the serial is YK + public id)");
        }
        String key = CsvLine.field(fields, 5);
        String digits = CsvLine.field(fields, 11);
        String counter = CsvLine.field(fields, 12);
        if (key == null) {
            throw Rejected.missing("secret key");
        }
        if (digits == null) {
            throw Rejected.missing("HOTP digits");
        }
        if (counter == null) {
            throw Rejected.missing("moving factor (counter)");
        }
        int d = OathCsv.parseInt(digits, 6, 8, "bad HOTP digits (6 or 8)");
        if (d == 7) {
            throw new Rejected("bad HOTP digits (6 or 8)");
        }
        return hotpRecord("YK" + checkedPublicId(publicId), key, d, counter);
    }

    private SeedRecord yubicoFormat(List<String> fields) throws Rejected {
        if (fields.size() < 4) {
            throw new Rejected("missing fields (serial,public id,private id or counter,key,...)");
        }
        String serial = CsvLine.field(fields, 0);
        if ("0".equals(serial) || (serial != null && serial.chars().allMatch(c -> c == '0'))) {
            serial = null;
        }
        String publicId = CsvLine.field(fields, 1);
        String third = CsvLine.field(fields, 2);
        String key = CsvLine.field(fields, 3);
        if (key == null) {
            throw Rejected.missing("key");
        }
        if (publicId == null && third == null) {
            throw new Rejected("unsupported configuration (static password or challenge-response)");
        }
        if (key.length() == 2 * YubicoKey.LENGTH && third != null && third.length() == 2 * YubicoOtpBlock.PRIVATE_ID_LENGTH
                && publicId != null) {
            return yubicoRecord(serial != null ? serial : "YK" + publicId.toLowerCase(Locale.ROOT), publicId, third, key);
        }
        if (key.length() == 2 * OATH_KEY_LENGTH && third != null && third.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (serial == null) {
                if (publicId == null) {
                    throw new Rejected("missing field: serial (no YubiKey serial and no public id)");
                }
                serial = "YK" + checkedPublicId(publicId);
            }
            return hotpRecord(serial, key, yubicoFormatHotpDigits, third);
        }
        if (publicId == null) {
            throw new Rejected("missing field: public id");
        }
        if (third == null) {
            throw Rejected.missing("private id");
        }
        throw new Rejected("unrecognised row (neither Yubico OTP: 12 hex digits of private id and a 32-hex-digit key,"
                + " nor OATH-HOTP: a counter and a 40-hex-digit key)");
    }

    private static String checkedPublicId(String publicId) throws Rejected {
        String p = publicId.toLowerCase(Locale.ROOT);
        if (!SeedRecord.isValidPublicId(p)) {
            throw new Rejected("bad public id (2 to 16 modhex characters, an even number)");
        }
        return p;
    }

    private static SeedRecord yubicoRecord(String serial, String publicId, String privateIdHex, String keyHex) throws Rejected {
        String p = checkedPublicId(publicId);
        if (!SeedRecord.isValidSerial(serial)) {
            throw new Rejected("bad serial (1 to " + SeedRecord.MAX_SERIAL_LENGTH + " characters)");
        }
        byte[] privateId = Hex.decodeOrNull(privateIdHex);
        if (privateId == null || privateId.length != YubicoOtpBlock.PRIVATE_ID_LENGTH) {
            throw new Rejected("bad private id (12 hex digits)");
        }
        byte[] key = Hex.decodeOrNull(keyHex);
        if (key == null) {
            throw new Rejected("bad hex in the AES key");
        }
        try {
            if (key.length != YubicoKey.LENGTH) {
                throw new Rejected("bad AES key (32 hex digits)");
            }
            return SeedRecord.yubico(serial, key, p, privateId, null);
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(privateId, (byte) 0);
        }
    }

    private static SeedRecord hotpRecord(String serial, String keyHex, int digits, String counterText) throws Rejected {
        if (!SeedRecord.isValidSerial(serial)) {
            throw new Rejected("bad serial (1 to " + SeedRecord.MAX_SERIAL_LENGTH + " characters)");
        }
        long counter = OathCsv.parseLong(counterText, "bad moving factor (a counter of 0 or more)");
        byte[] key = Hex.decodeOrNull(keyHex);
        if (key == null) {
            throw new Rejected("bad hex in the secret");
        }
        try {
            return SeedRecord.hotp(serial, key, HashAlgorithm.SHA1, digits, counter, null);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }
}
