package org.otpappliance.pam.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FramesTest {
    /** docs/pam-bridge-protocol.md, "Example": a first round for alice on sshd from 192.0.2.7, code 123456. */
    static final String SPEC_REQUEST = """
            00 00 00 26
            01 01
            00 04 73 73 68 64
            00 05 61 6c 69 63 65
            00 09 31 39 32 2e 30 2e 32 2e 37
            00 00
            00 06 31 32 33 34 35 36
            00 00""";
    static final String SPEC_ANSWER = "00 00 00 0e  01 02  00 06 41 43 43 45 50 54  00 00  00 00";

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    static AuthenticateRequest read(byte[] bytes) throws IOException {
        return Frames.readRequest(new ByteArrayInputStream(bytes));
    }

    /** A request frame built by hand: version, type, then fields given as raw bytes. */
    static byte[] frame(int version, int type, byte[]... fields) {
        int length = 2;
        for (byte[] f : fields) {
            length += 2 + f.length;
        }
        ByteBuffer b = ByteBuffer.allocate(4 + length).putInt(length).put((byte) version).put((byte) type);
        for (byte[] f : fields) {
            b.putShort((short) f.length).put(f);
        }
        return b.array();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[][] fields(String... values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = utf8(values[i]);
        }
        return out;
    }

    static ProtocolException malformed(byte[] bytes) {
        return assertThrows(ProtocolException.class, () -> read(bytes));
    }

    @Test
    void specExampleRequestDecodesExactly() throws IOException {
        AuthenticateRequest request = read(hex(SPEC_REQUEST));
        assertEquals(new AuthenticateRequest("sshd", "alice", "192.0.2.7", "", "123456", ""), request);
    }

    @Test
    void specExampleRequestEncodesExactly() {
        assertArrayEquals(hex(SPEC_REQUEST), Frames.encodeRequest(new AuthenticateRequest("sshd", "alice", "192.0.2.7", "", "123456", "")));
    }

    @Test
    void specExampleAnswerEncodesAndDecodesExactly() throws IOException {
        assertArrayEquals(hex(SPEC_ANSWER), Frames.encodeAnswer(Answer.accept()));
        assertEquals(Answer.accept(), Frames.readAnswer(new ByteArrayInputStream(hex(SPEC_ANSWER))));
    }

    @Test
    void writeThenReadGivesTheSameMessages() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuthenticateRequest request = new AuthenticateRequest("sudo", "zoë\nline", "2001:db8::1", "pts/3", "pin\u0000 123456 ☃", "tx-42");
        Frames.writeRequest(out, request);
        Answer answer = Answer.challenge("a code was sent by SMS to +41*******67; enter it to log in", "0123456789abcdef");
        Frames.writeAnswer(out, answer);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(request, Frames.readRequest(in));
        assertEquals(answer, Frames.readAnswer(in));
        assertEquals(-1, in.read(), "each frame ends exactly where the next begins");
    }

    @Test
    void fieldsAtTheirMaximumAreAccepted() throws IOException {
        AuthenticateRequest request = new AuthenticateRequest("s".repeat(64), "u".repeat(256), "r".repeat(256), "t".repeat(64),
                "v".repeat(1024), "x".repeat(64));
        assertEquals(request, read(Frames.encodeRequest(request)));
        Answer answer = new Answer(Answer.Result.CHALLENGE, "é".repeat(256), "x".repeat(64));
        assertEquals(answer, Frames.readAnswer(new ByteArrayInputStream(Frames.encodeAnswer(answer))));
    }

    @Test
    void eachFieldOverItsMaximumIsMalformedButReadable() {
        String[] names = {"service", "user", "rhost", "tty", "value", "transaction id"};
        int[] max = {64, 256, 256, 64, 1024, 64};
        for (int i = 0; i < names.length; i++) {
            String[] values = {"sshd", "alice", "", "", "123456", ""};
            values[i] = "a".repeat(max[i] + 1);
            ProtocolException e = malformed(frame(1, 1, fields(values)));
            assertTrue(e.frameReadable(), names[i]);
            assertTrue(e.getMessage().contains("'" + names[i] + "'"), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(max[i])), e.getMessage());
        }
    }

    @Test
    void writingAFieldOverItsMaximumIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Frames.encodeRequest(new AuthenticateRequest("sshd", "alice", "", "", "9".repeat(1025), "")));
        assertFalse(e.getMessage().contains("999"), "never quotes the value");
        assertThrows(IllegalArgumentException.class, () -> Frames.encodeAnswer(Answer.reject("m".repeat(513))));
        assertThrows(IllegalArgumentException.class, () -> Frames.encodeAnswer(Answer.challenge("", "t".repeat(65))));
        assertThrows(IllegalArgumentException.class, () -> Frames.encodeAnswer(Answer.reject("unpaired \uD800 surrogate")));
    }

    @Test
    void lengthPrefixOutOfRangeIsUnreadable() {
        for (String prefix : new String[] {"00000000", "00000001", "00002001", "7fffffff", "ffffffff"}) {
            ProtocolException e = malformed(hex(prefix + "0101"));
            assertFalse(e.frameReadable(), prefix);
            assertTrue(e.getMessage().contains("2..8192"), e.getMessage());
        }
    }

    @Test
    void lengthPrefixAtTheBoundsIsInRange() throws IOException {
        // N = 2: version and type only, so the fields are missing (readable, malformed)
        assertTrue(malformed(hex("00000002 0101")).frameReadable());
        // N = 8192: a whole frame arrives; its fields are then wrong
        byte[] big = new byte[4 + 8192];
        ByteBuffer.wrap(big).putInt(8192).put((byte) 1).put((byte) 1);
        assertTrue(malformed(big).frameReadable());
    }

    @Test
    void unknownVersionIsUnreadable() {
        byte[] bytes = hex(SPEC_REQUEST);
        bytes[4] = 2;
        ProtocolException e = malformed(bytes);
        assertFalse(e.frameReadable());
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void wrongTypeIsMalformedButReadable() {
        assertTrue(malformed(Frames.encodeAnswer(Answer.accept())).frameReadable(), "an answer where a request is expected");
        ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.readAnswer(new ByteArrayInputStream(hex(SPEC_REQUEST))));
        assertTrue(e.frameReadable());
        byte[] bytes = hex(SPEC_REQUEST);
        bytes[5] = 9;
        assertTrue(malformed(bytes).frameReadable());
    }

    @Test
    void missingFieldsAndTrailingBytesAreMalformed() {
        assertTrue(malformed(frame(1, 1, fields("sshd", "alice", "", "", "123456"))).getMessage().contains("'transaction id'"));
        byte[] trailing = frame(1, 1, fields("sshd", "alice", "", "", "123456", "", "extra"));
        ProtocolException e = malformed(trailing);
        assertTrue(e.frameReadable());
        assertTrue(e.getMessage().contains("after its last field"), e.getMessage());
        // one byte of a field length alone at the end
        byte[] spec = hex(SPEC_REQUEST);
        byte[] odd = new byte[spec.length + 1];
        System.arraycopy(spec, 0, odd, 0, spec.length);
        ByteBuffer.wrap(odd).putInt(0x27);
        assertTrue(malformed(odd).frameReadable());
    }

    @Test
    void aFieldRunningPastTheFrameIsMalformed() {
        byte[] bytes = hex(SPEC_REQUEST);
        bytes[6 + 6 + 7 + 11 + 2 + 1] = 0x40; // the value's length: 64 instead of 6
        ProtocolException e = malformed(bytes);
        assertTrue(e.frameReadable());
        assertTrue(e.getMessage().contains("'value'") && e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void invalidUtf8IsMalformedAndNeverQuoted() {
        byte[][] bad = {
                {(byte) 0xC3, 0x28},                     // bad continuation
                {(byte) 0xC0, (byte) 0xAF},              // overlong "/"
                {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong "/"
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a UTF-16 surrogate (CESU-8)
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
                {(byte) 0xFF},
                {(byte) 0xE2, (byte) 0x98},              // truncated sequence at the field's end
        };
        for (byte[] b : bad) {
            byte[] value = new byte[6 + b.length];
            System.arraycopy(utf8("314159"), 0, value, 0, 6);
            System.arraycopy(b, 0, value, 6, b.length);
            ProtocolException e = malformed(frame(1, 1, utf8("sshd"), utf8("alice"), new byte[0], new byte[0], value, new byte[0]));
            assertTrue(e.frameReadable());
            assertTrue(e.getMessage().contains("'value' is not valid UTF-8"), e.getMessage());
            assertTrue(e.getMessage().contains("at byte 6 "), e.getMessage());
            assertFalse(e.getMessage().contains("314159"), "the message never quotes the value: " + e.getMessage());
        }
    }

    @Test
    void endOfStreamBeforeOrInsideAFrameIsEof() {
        assertThrows(EOFException.class, () -> read(new byte[0]));
        assertThrows(EOFException.class, () -> read(hex("0000")));
        byte[] spec = hex(SPEC_REQUEST);
        for (int cut = 4; cut < spec.length; cut++) {
            byte[] part = new byte[cut];
            System.arraycopy(spec, 0, part, 0, cut);
            assertThrows(EOFException.class, () -> read(part), "cut at " + cut);
        }
    }

    @Test
    void answersWithAnUnknownResultAreMalformed() {
        byte[] bytes = frame(1, 2, fields("MAYBE", "", ""));
        ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.readAnswer(new ByteArrayInputStream(bytes)));
        assertTrue(e.frameReadable());
        byte[] tooLong = frame(1, 2, fields("ACCEPT", "m".repeat(513), ""));
        assertThrows(ProtocolException.class, () -> Frames.readAnswer(new ByteArrayInputStream(tooLong)));
    }

    @Test
    void toStringNeverShowsTheValueNorTheTransactionId() {
        AuthenticateRequest request = new AuthenticateRequest("sshd", "alice", "192.0.2.7", "pts/1", "271828", "tx-secret-9");
        assertFalse(request.toString().contains("271828"), request.toString());
        assertFalse(request.toString().contains("tx-secret-9"), request.toString());
        assertTrue(request.toString().contains("alice"));
        assertFalse(Answer.challenge("sent", "tx-secret-9").toString().contains("tx-secret-9"));
    }

    @Test
    void nullsAreEmpty() {
        assertEquals(new AuthenticateRequest("", "", "", "", "", ""), new AuthenticateRequest(null, null, null, null, null, null));
        assertEquals(new Answer(Answer.Result.REJECT, "", ""), Answer.reject(null));
        assertThrows(IllegalArgumentException.class, () -> new Answer(null, "", ""));
    }

    @Test
    void fitCutsAtCharacterBoundariesAndRepairsSurrogates() {
        assertEquals("", Frames.fit(null, 10));
        assertEquals("abc", Frames.fit("abc", 10));
        assertEquals("ab", Frames.fit("abc", 2));
        assertEquals("é", Frames.fit("éé", 3), "a 2-byte character that does not fit whole is dropped");
        assertEquals("a", Frames.fit("a\uD83D\uDE00", 4), "an emoji is 4 bytes");
        assertEquals("a\uD83D\uDE00", Frames.fit("a\uD83D\uDE00", 5));
        assertEquals("x\uFFFDy", Frames.fit("x\uD800y", 10));
        String fitted = Frames.fit("ü".repeat(400), Frames.MAX_MESSAGE);
        assertEquals(512, fitted.getBytes(StandardCharsets.UTF_8).length);
    }
}
