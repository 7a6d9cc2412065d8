package org.otpappliance.tokenimport.card;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.otpappliance.tokenimport.ToolException;

/**
 * {@code card enroll --wait --users FILE}: the users who get the keys, in order. One user name a line, UTF-8; blank
 * lines and lines starting with {@code #} are skipped. A name is 1 to 255 characters without blanks or control
 * characters (the appliance's rule for user names); a name listed twice is an error. A user is taken off the list
 * when a key is enrolled for them: a key that fails leaves its user for the next key.
 */
final class UserList {
    static final int MAX_USERNAME_LENGTH = 255;

    private final Path file;
    private final Deque<String> waiting;

    private UserList(Path file, Deque<String> waiting) {
        this.file = file;
        this.waiting = waiting;
    }

    static UserList read(Path file) throws ToolException {
        String where = file + " (--users)";
        Deque<String> users = new ArrayDeque<>();
        Map<String, Integer> lines = new HashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            int number = 0;
            for (String raw = in.readLine(); raw != null; raw = in.readLine()) {
                number++;
                String user = raw.strip();
                if (number == 1 && user.startsWith("\ufeff")) {
                    user = user.substring(1).strip();
                }
                if (user.isEmpty() || user.startsWith("#")) {
                    continue;
                }
                if (!isValid(user)) {
                    throw new ToolException(where + " line " + number + ": not a user name (1 to " + MAX_USERNAME_LENGTH
                            + " characters, no blanks or control characters; one user a line)");
                }
                Integer before = lines.putIfAbsent(user, number);
                if (before != null) {
                    throw new ToolException(where + " line " + number + ": " + user + " is listed already, on line "
                            + before + " (each user gets one key)");
                }
                users.add(user);
            }
        } catch (CharacterCodingException e) {
            throw new ToolException(where + " is not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw new ToolException("cannot read " + where + ": no such file");
        } catch (IOException e) {
            throw new ToolException("cannot read " + where + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        if (users.isEmpty()) {
            throw new ToolException(where + " lists no users");
        }
        return new UserList(file, users);
    }

    static boolean isValid(String user) {
        return !user.isEmpty() && user.length() <= MAX_USERNAME_LENGTH
                && user.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)
                        || Character.isSpaceChar(c));
    }

    Path file() {
        return file;
    }

    /** The user the next key goes to, or null when every user has a key. */
    String next() {
        return waiting.peekFirst();
    }

    /** The next user got their key. */
    void enrolled() {
        waiting.removeFirst();
    }

    int remaining() {
        return waiting.size();
    }

    /** The users still without a key, in list order. */
    List<String> waiting() {
        return List.copyOf(waiting);
    }
}
