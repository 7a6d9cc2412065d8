package org.otpappliance.otp.seedfile;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;

/**
 * OATH CSV: one token per line, UTF-8,
 *
 * <pre>
 * serial,hexseed,type,digits,counter-or-period[,user]
 * 0001,3132333435363738393031323334353637383930,hotp,6,0
 * 0002,3132333435363738393031323334353637383930,totp,8,30,alice
 * </pre>
 *
 * <ul>
 *   <li>{@code serial}: 1 to 64 characters; {@code hexseed}: the seed in hex, either case;
 *       {@code type}: {@code hotp} or {@code totp} (any case); {@code digits}: 6 to 8;
 *       then the next counter (0 or more) for HOTP, the period in seconds (1 to 86400) for TOTP;
 *       {@code user}: optional, the user to assign the token to.</li>
 *   <li>The hash is always HMAC-SHA1: the format has no column for it.</li>
 *   <li>Blank lines and lines starting with {@code #} are skipped; so is a header line, the first other line
 *       when its first field is {@code serial} (any case). Fields may be double-quoted (RFC 4180);
 *       blanks around fields are dropped.</li>
 *   <li>A bad line (missing field, bad hex, unknown type, too many fields, not UTF-8) is rejected with its
 *       position {@code "line N"} and the reason; the reason never quotes a field, since a line with shifted
 *       columns could hold a seed anywhere.</li>
 * </ul>
 */
public final class OathCsv implements SeedFileParser {
    public static final int MAX_PERIOD_SECONDS = 86_400;

    private static final String[] FIELDS = {"serial", "secret", "type", "digits"};

    @Override
    public void parse(InputStream in, SeedSink sink) throws SeedFileException {
        LineReader lines = new LineReader(in, true);
        boolean first = true;
        try {
            for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
                String position = "line " + line.number();
                if (line.text() == null) {
                    sink.reject(new ItemProblem(position, line.problem()));
                    first = false;
                    continue;
                }
                String text = line.text().strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                SeedRecord record;
                try {
                    List<String> fields = CsvLine.split(text);
                    if (first && "serial".equalsIgnoreCase(fields.get(0))) {
                        first = false;
                        continue;
                    }
                    first = false;
                    record = record(fields);
                } catch (Rejected e) {
                    first = false;
                    sink.reject(new ItemProblem(position, e.reason()));
                    continue;
                }
                sink.accept(record);
            }
        } catch (IOException e) {
            throw new SeedFileException("cannot read the OATH CSV file: " + e.getMessage(), e);
        }
    }

    /** The token of one line's fields; package-private for the tests. */
    static SeedRecord record(List<String> fields) throws Rejected {
        if (fields.size() > 6) {
            throw new Rejected("too many fields (at most 6: serial,hexseed,type,digits,counter-or-period,user)");
        }
        for (int i = 0; i < FIELDS.length; i++) {
            if (CsvLine.field(fields, i) == null) {
                throw Rejected.missing(FIELDS[i]);
            }
        }
        String serial = fields.get(0);
        if (!SeedRecord.isValidSerial(serial)) {
            throw new Rejected("bad serial (1 to " + SeedRecord.MAX_SERIAL_LENGTH + " characters)");
        }
        String type = fields.get(2).toLowerCase(Locale.ROOT);
        if (!type.equals("hotp") && !type.equals("totp")) {
            throw new Rejected("unknown type (hotp or totp)");
        }
        boolean hotp = type.equals("hotp");
        int digits = parseInt(fields.get(3), Hotp.MIN_DIGITS, Hotp.MAX_DIGITS, "bad digits (6 to 8)");
        String last = CsvLine.field(fields, 4);
        if (last == null) {
            throw Rejected.missing(hotp ? "counter" : "period");
        }
        byte[] secret = Hex.decodeOrNull(fields.get(1));
        if (secret == null) {
            throw new Rejected("bad hex in the secret");
        }
        String user = CsvLine.field(fields, 5);
        try {
            if (hotp) {
                long counter = parseLong(last, "bad counter (0 or more)");
                return SeedRecord.hotp(serial, secret, HashAlgorithm.SHA1, digits, counter, user);
            }
            int period = parseInt(last, 1, MAX_PERIOD_SECONDS, "bad period (1 to " + MAX_PERIOD_SECONDS + " seconds)");
            return SeedRecord.totp(serial, secret, HashAlgorithm.SHA1, digits, period, user);
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    static int parseInt(String text, int min, int max, String reason) throws Rejected {
        long v = parseLong(text, reason);
        if (v < min || v > max) {
            throw new Rejected(reason);
        }
        return (int) v;
    }

    /** A non-negative decimal number of at most 18 digits. */
    static long parseLong(String text, String reason) throws Rejected {
        if (text.isEmpty() || text.length() > 18) {
            throw new Rejected(reason);
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new Rejected(reason);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
