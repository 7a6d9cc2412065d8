package org.otpappliance.tokenimport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * Reads the files that hold secrets: the API key, a PSKC pre-shared key (hex), a PSKC password. Like ssh with a
 * private key, a file that others may access is refused. Errors name the file and what is wrong, never its
 * content; the bytes read are wiped once decoded.
 */
final class KeyFiles {
    /** A key file is small; anything larger is not one (and is not read into memory). */
    static final int MAX_SIZE = 64 * 1024;

    private KeyFiles() {
    }

    /** The API key: the file's first line without surrounding blanks, visible ASCII only. */
    static String apiKey(Path file, String option) throws ToolException {
        byte[] bytes = read(file, option);
        try {
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            int start = 0;
            while (start < end && (bytes[start] == ' ' || bytes[start] == '\t')) {
                start++;
            }
            while (end > start && (bytes[end - 1] == ' ' || bytes[end - 1] == '\t')) {
                end--;
            }
            if (end == start) {
                throw new ToolException(file + " (" + option + ") holds no API key on its first line");
            }
            for (int i = start; i < end; i++) {
                if (bytes[i] < 0x21 || bytes[i] > 0x7e) {
                    throw new ToolException(file + " (" + option + ") does not hold an API key"
                            + " (its first line has characters other than visible ASCII)");
                }
            }
            return new String(bytes, start, end - start, StandardCharsets.US_ASCII);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A PSKC pre-shared AES key: hex digits, whitespace ignored, 16, 24 or 32 bytes. */
    static byte[] preSharedKey(Path file, String option) throws ToolException {
        byte[] bytes = read(file, option);
        byte[] digits = new byte[bytes.length];
        int n = 0;
        try {
            for (byte b : bytes) {
                if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f') {
                    continue;
                }
                if (nibble(b) < 0) {
                    throw new ToolException(file + " (" + option + ") does not hold a key in hex"
                            + " (only hex digits and whitespace are allowed)");
                }
                digits[n++] = b;
            }
            if (n % 2 != 0) {
                throw new ToolException(file + " (" + option + ") holds an odd number of hex digits");
            }
            int length = n / 2;
            if (length != 16 && length != 24 && length != 32) {
                throw new ToolException(file + " (" + option + ") holds a key of " + length
                        + " bytes; a pre-shared AES key is 16, 24 or 32 bytes (32, 48 or 64 hex digits)");
            }
            byte[] key = new byte[length];
            for (int i = 0; i < length; i++) {
                key[i] = (byte) (nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1]));
            }
            return key;
        } finally {
            Arrays.fill(bytes, (byte) 0);
            Arrays.fill(digits, (byte) 0);
        }
    }

    /** A PSKC password: the file's first line (without its line ending), UTF-8. */
    static char[] password(Path file, String option) throws ToolException {
        byte[] bytes = read(file, option);
        try {
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            if (end > 0 && bytes[end - 1] == '\r') {
                end--;
            }
            if (end == 0) {
                throw new ToolException(file + " (" + option + ") holds no password on its first line");
            }
            CharBuffer chars;
            try {
                chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, end));
            } catch (CharacterCodingException e) {
                throw new ToolException(file + " (" + option + ") is not UTF-8 text");
            }
            char[] password = new char[chars.remaining()];
            chars.get(password);
            Arrays.fill(chars.array(), '\0');
            return password;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * The bytes of a key file, after checking that it is a regular file no one but its owner and group may access.
     */
    static byte[] read(Path file, String option) throws ToolException {
        checkNotOpenToOthers(file, option);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_SIZE + 1);
            if (bytes.length > MAX_SIZE) {
                Arrays.fill(bytes, (byte) 0);
                throw new ToolException(file + " (" + option + ") is too large for a key file");
            }
            return bytes;
        } catch (IOException e) {
            throw new ToolException("cannot read " + file + " (" + option + "): " + describe(e));
        }
    }

    /** Refuses a file that others may read, write or execute, as ssh refuses such a private key. */
    static void checkNotOpenToOthers(Path file, String option) throws ToolException {
        if (!Files.exists(file)) {
            throw new ToolException(file + " (" + option + "): no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ToolException(file + " (" + option + ") is not a regular file");
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new ToolException("cannot read " + file + " (" + option + "): " + describe(e));
        }
        if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.OTHERS_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            throw new ToolException(String.format("permissions %04o for '%s' (%s) are too open: a file holding a key"
                    + " must not be accessible by others; refusing it (chmod o-rwx %s)", octal(permissions), file, option, file));
        }
    }

    static int octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 (0400) ... OTHERS_EXECUTE is 8 (0001)
        }
        return mode;
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The value of an ASCII hex digit, or -1 (JDK's HexFormat: no other script's digits). */
    private static int nibble(byte c) {
        return HexFormat.isHexDigit(c) ? HexFormat.fromHexDigit(c) : -1;
    }
}
