package org.otpappliance.pam.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The codec of protocol version 1 ({@code docs/pam-bridge-protocol.md}): a 4-byte big-endian length
 * {@code N} (2..8192), the version byte {@code 1}, the message type, then the message's fields in
 * order, each a 2-byte big-endian length and that many bytes of UTF-8, ending exactly at the end of
 * the frame.
 *
 * <p>Reading enforces every limit of the spec and decodes UTF-8 strictly. It throws
 * {@link EOFException} when the stream ends before a whole frame arrived, and
 * {@link ProtocolException} for anything else wrong, with {@link ProtocolException#frameReadable()}
 * telling whether the spec wants an {@code ERROR} answer (the frame was read, its content is wrong)
 * or a plain close (length prefix out of range, unknown version). Error messages name fields and
 * lengths, never their content. Writing checks the same limits and throws
 * {@link IllegalArgumentException} for a field that does not fit.
 */
public final class Frames {
    public static final int VERSION = 1;
    public static final int TYPE_AUTHENTICATE = 1;
    public static final int TYPE_ANSWER = 2;
    /** Bounds of the length prefix: the rest of the frame, version and type included. */
    public static final int MIN_LENGTH = 2;
    public static final int MAX_LENGTH = 8192;

    public static final int MAX_SERVICE = 64;
    public static final int MAX_USER = 256;
    public static final int MAX_RHOST = 256;
    public static final int MAX_TTY = 64;
    public static final int MAX_VALUE = 1024;
    public static final int MAX_TRANSACTION_ID = 64;
    public static final int MAX_RESULT = 16;
    public static final int MAX_MESSAGE = 512;

    private Frames() {
    }

    // ---------------------------------------------------------------- reading

    /** Reads one {@code AUTHENTICATE} frame. */
    public static AuthenticateRequest readRequest(InputStream in) throws IOException {
        Reader r = new Reader(readFrame(in, TYPE_AUTHENTICATE, "AUTHENTICATE"));
        AuthenticateRequest request = new AuthenticateRequest(
                r.field("service", MAX_SERVICE),
                r.field("user", MAX_USER),
                r.field("rhost", MAX_RHOST),
                r.field("tty", MAX_TTY),
                r.field("value", MAX_VALUE),
                r.field("transaction id", MAX_TRANSACTION_ID));
        r.end();
        return request;
    }

    /** Reads one answer frame. */
    public static Answer readAnswer(InputStream in) throws IOException {
        Reader r = new Reader(readFrame(in, TYPE_ANSWER, "answer"));
        String resultText = r.field("result", MAX_RESULT);
        String message = r.field("message", MAX_MESSAGE);
        String transactionId = r.field("transaction id", MAX_TRANSACTION_ID);
        r.end();
        Answer.Result result = switch (resultText) {
            case "ACCEPT" -> Answer.Result.ACCEPT;
            case "REJECT" -> Answer.Result.REJECT;
            case "CHALLENGE" -> Answer.Result.CHALLENGE;
            case "ERROR" -> Answer.Result.ERROR;
            case "NOT_ENROLLED" -> Answer.Result.NOT_ENROLLED;
            default -> throw new ProtocolException("field 'result' is not ACCEPT, REJECT, CHALLENGE, ERROR or NOT_ENROLLED", true);
        };
        return new Answer(result, message, transactionId);
    }

    /**
     * The frame's bytes after the length prefix, version and type checked; the returned array starts
     * at the first field (offset 2 of the frame body is offset 0 here).
     */
    private static byte[] readFrame(InputStream in, int expectedType, String typeName) throws IOException {
        byte[] prefix = in.readNBytes(4);
        if (prefix.length == 0) {
            throw new EOFException("the connection closed before a frame");
        }
        if (prefix.length < 4) {
            throw new EOFException("the connection closed inside the length prefix");
        }
        long length = ((prefix[0] & 0xFFL) << 24) | ((prefix[1] & 0xFFL) << 16) | ((prefix[2] & 0xFFL) << 8) | (prefix[3] & 0xFFL);
        if (length < MIN_LENGTH || length > MAX_LENGTH) {
            throw new ProtocolException("length prefix " + length + " is out of range " + MIN_LENGTH + ".." + MAX_LENGTH, false);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("the connection closed after " + body.length + " of the frame's " + length + " bytes");
        }
        int version = body[0] & 0xFF;
        if (version != VERSION) {
            throw new ProtocolException("protocol version " + version + " is not supported (only " + VERSION + ")", false);
        }
        int type = body[1] & 0xFF;
        if (type != expectedType) {
            throw new ProtocolException("message type " + type + " where " + typeName + " (type " + expectedType + ") was expected", true);
        }
        byte[] fields = new byte[body.length - 2];
        System.arraycopy(body, 2, fields, 0, fields.length);
        return fields;
    }

    /** Walks the fields of a frame that has fully arrived. */
    private static final class Reader {
        private final byte[] bytes;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private int position;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        String field(String name, int max) throws ProtocolException {
            int remaining = bytes.length - position;
            if (remaining == 0) {
                throw new ProtocolException("the frame ends before field '" + name + "'", true);
            }
            if (remaining < 2) {
                throw new ProtocolException("the frame ends inside the length of field '" + name + "'", true);
            }
            int length = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
            position += 2;
            if (length > max) {
                throw new ProtocolException("field '" + name + "' is " + length + " bytes, longer than its maximum of " + max, true);
            }
            if (length > bytes.length - position) {
                throw new ProtocolException("field '" + name + "' (" + length + " bytes) runs " + (length - (bytes.length - position))
                        + " bytes past the end of the frame", true);
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes, position, length);
            String text;
            try {
                text = decoder.reset().decode(buffer).toString();
            } catch (CharacterCodingException e) {
                throw new ProtocolException("field '" + name + "' is not valid UTF-8 (at byte " + (buffer.position() - position)
                        + " of " + length + ")", true);
            }
            position += length;
            return text;
        }

        void end() throws ProtocolException {
            int extra = bytes.length - position;
            if (extra != 0) {
                throw new ProtocolException("the frame has " + extra + " bytes after its last field", true);
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes one {@code AUTHENTICATE} frame in a single write, and flushes. */
    public static void writeRequest(OutputStream out, AuthenticateRequest request) throws IOException {
        out.write(encodeRequest(request));
        out.flush();
    }

    /** Writes one answer frame in a single write, and flushes. */
    public static void writeAnswer(OutputStream out, Answer answer) throws IOException {
        out.write(encodeAnswer(answer));
        out.flush();
    }

    /** The whole frame of {@code request}, length prefix included. */
    public static byte[] encodeRequest(AuthenticateRequest request) {
        return encode(TYPE_AUTHENTICATE,
                utf8("service", request.service(), MAX_SERVICE),
                utf8("user", request.user(), MAX_USER),
                utf8("rhost", request.rhost(), MAX_RHOST),
                utf8("tty", request.tty(), MAX_TTY),
                utf8("value", request.value(), MAX_VALUE),
                utf8("transaction id", request.transactionId(), MAX_TRANSACTION_ID));
    }

    /** The whole frame of {@code answer}, length prefix included. */
    public static byte[] encodeAnswer(Answer answer) {
        return encode(TYPE_ANSWER,
                utf8("result", answer.result().name(), MAX_RESULT),
                utf8("message", answer.message(), MAX_MESSAGE),
                utf8("transaction id", answer.transactionId(), MAX_TRANSACTION_ID));
    }

    private static byte[] encode(int type, byte[]... fields) {
        int length = 2;
        for (byte[] field : fields) {
            length += 2 + field.length;
        }
        // Cannot happen with the field maxima of version 1 (a request is at most 1742 bytes).
        if (length > MAX_LENGTH) {
            throw new IllegalArgumentException("frame of " + length + " bytes is longer than " + MAX_LENGTH);
        }
        ByteBuffer frame = ByteBuffer.allocate(4 + length);
        frame.putInt(length).put((byte) VERSION).put((byte) type);
        for (byte[] field : fields) {
            frame.putShort((short) field.length).put(field);
        }
        return frame.array();
    }

    private static byte[] utf8(String name, String text, int max) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer encoded;
        try {
            encoded = encoder.encode(CharBuffer.wrap(text));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("field '" + name + "' is not valid Unicode (an unpaired surrogate)");
        }
        if (encoded.remaining() > max) {
            throw new IllegalArgumentException("field '" + name + "' is " + encoded.remaining()
                    + " bytes of UTF-8, longer than its maximum of " + max);
        }
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    /**
     * {@code text} made to fit a field of {@code maxBytes}: unpaired surrogates replaced by U+FFFD,
     * then cut at the last whole code point that fits. For texts that come from elsewhere (an
     * appliance's message) and must not make an answer unwritable. Null gives "".
     */
    public static String fit(String text, int maxBytes) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxBytes));
        int bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) == Character.SURROGATE) {
                cp = 0xFFFD;
            }
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            out.appendCodePoint(cp);
        }
        return out.toString();
    }
}
