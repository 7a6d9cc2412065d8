package org.otpappliance.tokenimport;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.otpappliance.otp.seedfile.SeedRecord;

/**
 * {@code --assign-users CSV}: lines {@code serial,username}, UTF-8; blank lines and lines starting with {@code #}
 * are skipped, and so is a first line {@code serial,username} (a header). A serial listed twice with different
 * users is an error. The tool looks each imported token up by serial; serials it never asks for are reported as
 * warnings.
 */
final class UserAssignments {
    /** The appliance's limit on user names. */
    static final int MAX_USERNAME_LENGTH = 255;

    private static final class Entry {
        final String user;
        final int line;
        boolean used;

        Entry(String user, int line) {
            this.user = user;
            this.line = line;
        }
    }

    private final Map<String, Entry> bySerial;
    private final Path file;

    private UserAssignments(Path file, Map<String, Entry> bySerial) {
        this.file = file;
        this.bySerial = bySerial;
    }

    static UserAssignments none() {
        return new UserAssignments(null, Map.of());
    }

    static UserAssignments read(Path file) throws ToolException {
        Map<String, Entry> map = new LinkedHashMap<>();
        String where = file + " (--assign-users)";
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            int number = 0;
            boolean first = true;
            for (String raw = in.readLine(); raw != null; raw = in.readLine()) {
                number++;
                String line = raw.strip();
                if (number == 1 && line.startsWith("\ufeff")) {
                    line = line.substring(1).strip();
                }
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split(",", -1);
                if (fields.length != 2) {
                    throw new ToolException(where + " line " + number + ": expected serial,username");
                }
                String serial = fields[0].strip();
                String user = fields[1].strip();
                if (first && serial.equalsIgnoreCase("serial")) {
                    first = false;
                    continue;
                }
                first = false;
                if (!SeedRecord.isValidSerial(serial)) {
                    throw new ToolException(where + " line " + number + ": bad serial (1 to "
                            + SeedRecord.MAX_SERIAL_LENGTH + " characters)");
                }
                if (user.isEmpty() || user.length() > MAX_USERNAME_LENGTH || user.chars().anyMatch(Character::isISOControl)) {
                    throw new ToolException(where + " line " + number + ": bad username (1 to "
                            + MAX_USERNAME_LENGTH + " characters)");
                }
                Entry before = map.get(serial);
                if (before != null && !before.user.equals(user)) {
                    throw new ToolException(where + " line " + number + ": serial " + serial
                            + " is already assigned to another user on line " + before.line);
                }
                if (before == null) {
                    map.put(serial, new Entry(user, number));
                }
            }
        } catch (CharacterCodingException e) {
            throw new ToolException(where + " is not UTF-8 text");
        } catch (IOException e) {
            throw new ToolException("cannot read " + where + ": " + KeyFiles.describe(e));
        }
        return new UserAssignments(file, map);
    }

    /** The user the CSV assigns to {@code serial}, or null; marks the line used. */
    String userFor(String serial) {
        Entry e = bySerial.get(serial);
        if (e == null) {
            return null;
        }
        e.used = true;
        return e.user;
    }

    int size() {
        return bySerial.size();
    }

    /** One warning per serial of the CSV that no token of the file had. */
    List<String> unusedWarnings() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : bySerial.entrySet()) {
            if (!e.getValue().used) {
                // The user column is not quoted back: a file given here by mistake may hold anything there.
                out.add(file.getFileName() + " line " + e.getValue().line + ": serial " + e.getKey()
                        + " is not in the seed file");
            }
        }
        return out;
    }
}
