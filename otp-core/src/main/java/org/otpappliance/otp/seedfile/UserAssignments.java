package org.otpappliance.otp.seedfile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which user each token of a seed file goes to, over any user id in the file: lines {@code serial,username}, UTF-8;
 * blank lines and lines starting with {@code #} are skipped, and so is a first line {@code serial,username} (a
 * header). A serial listed twice with different users is an error. Read by the {@code token-import} tool's
 * {@code --assign-users} and the console's import. Not thread-safe: one import looks serials up as it reads.
 */
public final class UserAssignments {
    /** The appliance's limit on user names. */
    public static final int MAX_USERNAME_LENGTH = 255;

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

    private UserAssignments(Map<String, Entry> bySerial) {
        this.bySerial = bySerial;
    }

    public static UserAssignments none() {
        return new UserAssignments(Map.of());
    }

    /**
     * Reads the whole list (the caller closes {@code in}).
     *
     * @throws SeedFileException for a bad line ("line 3: expected serial,username") or text that is not UTF-8;
     *                           the message never quotes the line
     */
    public static UserAssignments read(InputStream in) throws IOException, SeedFileException {
        Map<String, Entry> map = new LinkedHashMap<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        int number = 0;
        boolean first = true;
        try {
            for (String raw = lines.readLine(); raw != null; raw = lines.readLine()) {
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
                    throw new SeedFileException("line " + number + ": expected serial,username");
                }
                String serial = fields[0].strip();
                String user = fields[1].strip();
                if (first && serial.equalsIgnoreCase("serial")) {
                    first = false;
                    continue;
                }
                first = false;
                if (!SeedRecord.isValidSerial(serial)) {
                    throw new SeedFileException("line " + number + ": bad serial (1 to " + SeedRecord.MAX_SERIAL_LENGTH
                            + " characters)");
                }
                if (user.isEmpty() || user.length() > MAX_USERNAME_LENGTH || user.chars().anyMatch(Character::isISOControl)) {
                    throw new SeedFileException("line " + number + ": bad username (1 to " + MAX_USERNAME_LENGTH
                            + " characters)");
                }
                Entry before = map.get(serial);
                if (before != null && !before.user.equals(user)) {
                    throw new SeedFileException("line " + number + ": serial " + serial
                            + " is already assigned to another user on line " + before.line);
                }
                if (before == null) {
                    map.put(serial, new Entry(user, number));
                }
            }
        } catch (CharacterCodingException e) {
            throw new SeedFileException("is not UTF-8 text");
        }
        return new UserAssignments(map);
    }

    /** The user the list assigns to {@code serial}, or null; marks the line used. */
    public String userFor(String serial) {
        Entry e = bySerial.get(serial);
        if (e == null) {
            return null;
        }
        e.used = true;
        return e.user;
    }

    public int size() {
        return bySerial.size();
    }

    /** One warning per serial of the list that no token had ("line 6: serial X is not in the seed file"). */
    public List<String> unused() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : bySerial.entrySet()) {
            if (!e.getValue().used) {
                // The user column is not quoted back: a file given here by mistake may hold anything there.
                out.add("line " + e.getValue().line + ": serial " + e.getKey() + " is not in the seed file");
            }
        }
        return out;
    }
}
