package org.otpappliance.otp.seedfile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Lines of a text file, UTF-8, one at a time, each decoded on its own so that one undecodable or overlong line
 * is one bad item rather than a failed file. Ends of line are LF or CRLF; a UTF-8 byte order mark on the first
 * line is dropped.
 */
final class LineReader {
    /** No line of any supported format comes near this; a longer one is reported, not buffered. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    /** One line: its 1-based number, and its text, or null with a reason when the line cannot be read. */
    record Line(int number, String text, String problem) {
    }

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private int number;
    private boolean eof;

    /** @param strict whether bytes that are not UTF-8 make the line bad (else they become U+FFFD) */
    LineReader(InputStream in, boolean strict) {
        this.in = in;
        CodingErrorAction action = strict ? CodingErrorAction.REPORT : CodingErrorAction.REPLACE;
        this.decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(action).onUnmappableCharacter(action);
    }

    /** The next line, or null at the end of the file. */
    Line next() throws IOException {
        if (eof && position >= limit) {
            return null;
        }
        byte[] line = new byte[256];
        int length = 0;
        boolean tooLong = false;
        boolean sawAny = false;
        while (true) {
            if (position >= limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    eof = true;
                    if (!sawAny) {
                        return null;
                    }
                    break;
                }
            }
            sawAny = true;
            byte b = buffer[position++];
            if (b == '\n') {
                break;
            }
            if (length == MAX_LINE_BYTES) {
                tooLong = true;
                continue;
            }
            if (length == line.length) {
                line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, MAX_LINE_BYTES));
            }
            line[length++] = b;
        }
        number++;
        if (tooLong) {
            return new Line(number, null, "line longer than " + MAX_LINE_BYTES + " bytes");
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        int start = 0;
        if (number == 1 && length >= 3 && (line[0] & 0xff) == 0xef && (line[1] & 0xff) == 0xbb && (line[2] & 0xff) == 0xbf) {
            start = 3;
        }
        try {
            CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(line, start, length - start));
            return new Line(number, chars.toString(), null);
        } catch (CharacterCodingException e) {
            return new Line(number, null, "not UTF-8 text");
        } finally {
            java.util.Arrays.fill(line, (byte) 0);
        }
    }
}
