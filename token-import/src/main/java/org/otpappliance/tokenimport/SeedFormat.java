package org.otpappliance.tokenimport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/** The seed-file formats {@code token-import file} reads, by their command-line names. */
enum SeedFormat {
    PSKC("pskc"),
    OATH_CSV("oath-csv"),
    YUBIKEY_CSV("yubikey-csv");

    /** How much of a file is looked at to guess its format. */
    private static final int SNIFF_BYTES = 16 * 1024;
    /** How many data lines of a CSV file are looked at before giving up. */
    private static final int SNIFF_LINES = 20;

    private final String cliName;

    SeedFormat(String cliName) {
        this.cliName = cliName;
    }

    String cliName() {
        return cliName;
    }

    static SeedFormat fromCliName(String name) {
        for (SeedFormat f : values()) {
            if (f.cliName.equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "' (pskc, oath-csv or yubikey-csv)");
    }

    /**
     * The format of a file given without {@code --format}: {@code .xml} and {@code .pskc} are PSKC; any other file
     * is recognised by its first lines (XML; the YubiKey tool's log lines; an OATH CSV header or type column).
     * Nothing read is ever quoted in a message: a CSV line may hold a seed in any column.
     *
     * @throws ToolException when the file cannot be read or its format cannot be told
     */
    static SeedFormat guess(Path file) throws ToolException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".xml") || name.endsWith(".pskc")) {
            return PSKC;
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(SNIFF_BYTES);
        } catch (IOException e) {
            throw new ToolException("cannot read " + file + ": " + KeyFiles.describe(e));
        }
        SeedFormat format = sniff(new String(head, StandardCharsets.ISO_8859_1));
        java.util.Arrays.fill(head, (byte) 0);
        if (format == null) {
            throw new ToolException("cannot tell the format of " + file + " from its first lines;"
                    + " give --format pskc, --format oath-csv or --format yubikey-csv");
        }
        return format;
    }

    /** The format the start of a file shows, or null. */
    static SeedFormat sniff(String head) {
        String text = head.startsWith("\u00ef\u00bb\u00bf") ? head.substring(3) : head; // a UTF-8 BOM, read as Latin-1
        if (text.stripLeading().startsWith("<")) {
            return PSKC;
        }
        List<String> lines = text.lines().toList();
        if (lines.size() > 1 && head.length() == SNIFF_BYTES) {
            lines = lines.subList(0, lines.size() - 1); // the last line may be cut short
        }
        int looked = 0;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (++looked > SNIFF_LINES) {
                break;
            }
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.startsWith("LOGGING START")) {
                return YUBIKEY_CSV;
            }
            String[] fields = line.split(",", -1);
            String first = unquote(fields[0]).toLowerCase(Locale.ROOT);
            if (first.equals("yubico otp") || first.equals("oath-hotp") || first.startsWith("static password")
                    || first.startsWith("challenge-response") || first.equals("configuration update")
                    || first.equals("configuration swap")) {
                return YUBIKEY_CSV;
            }
            if (first.equals("serial")) {
                return OATH_CSV;
            }
            if (fields.length >= 5) {
                String type = unquote(fields[2]).toLowerCase(Locale.ROOT);
                if (type.equals("hotp") || type.equals("totp")) {
                    return OATH_CSV;
                }
            }
            if (fields.length >= 4 && first.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return YUBIKEY_CSV; // the Yubico format: serial (or nothing), public id, private id or counter, key, ...
            }
        }
        return null;
    }

    private static String unquote(String field) {
        String s = field.strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    /** picocli: {@code --format pskc|oath-csv|yubikey-csv}. */
    static final class Converter implements CommandLine.ITypeConverter<SeedFormat> {
        @Override
        public SeedFormat convert(String value) {
            try {
                return fromCliName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** picocli: the names shown in the help and offered for completion. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return java.util.Arrays.stream(values()).map(SeedFormat::cliName).iterator();
        }
    }
}
