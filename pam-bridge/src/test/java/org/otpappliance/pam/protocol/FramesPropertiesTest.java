package org.otpappliance.pam.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class FramesPropertiesTest {

    /** Any Unicode text (all planes, no lone surrogates) of at most {@code maxBytes} bytes of UTF-8. */
    static Arbitrary<String> text(int maxBytes) {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 0x7F)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x80, 0xFFFF)
                        .filter(c -> c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0x10000, Character.MAX_CODE_POINT)));
        return codePoint.list().ofMaxSize(maxBytes).map(list -> {
            StringBuilder b = new StringBuilder();
            list.forEach(b::appendCodePoint);
            return Frames.fit(b.toString(), maxBytes);
        });
    }

    @Provide
    Arbitrary<AuthenticateRequest> requests() {
        return Combinators.combine(text(Frames.MAX_SERVICE), text(Frames.MAX_USER), text(Frames.MAX_RHOST), text(Frames.MAX_TTY),
                text(Frames.MAX_VALUE), text(Frames.MAX_TRANSACTION_ID)).as(AuthenticateRequest::new);
    }

    @Provide
    Arbitrary<Answer> answers() {
        return Combinators.combine(Arbitraries.of(Answer.Result.class), text(Frames.MAX_MESSAGE), text(Frames.MAX_TRANSACTION_ID))
                .as(Answer::new);
    }

    @Property
    void requestsRoundTrip(@ForAll("requests") AuthenticateRequest request) throws IOException {
        byte[] frame = Frames.encodeRequest(request);
        assertEquals(frame.length - 4, ByteBuffer.wrap(frame).getInt());
        ByteArrayInputStream in = new ByteArrayInputStream(frame);
        assertEquals(request, Frames.readRequest(in));
        assertEquals(0, in.available());
    }

    @Property
    void answersRoundTrip(@ForAll("answers") Answer answer) throws IOException {
        assertEquals(answer, Frames.readAnswer(new ByteArrayInputStream(Frames.encodeAnswer(answer))));
    }

    @Property(tries = 2000)
    void randomBytesNeverThrowAnythingButProtocolExceptionOrEof(@ForAll @Size(max = 300) byte[] bytes) {
        readsOrRefuses(bytes);
    }

    /** Random fields behind a valid header: the field parser sees every kind of garbage. */
    @Property(tries = 2000)
    void randomFramesNeverThrowAnythingButProtocolExceptionOrEof(@ForAll @Size(max = 2000) byte[] body,
                                                                 @ForAll @IntRange(min = 0, max = 2) int type) {
        ByteBuffer frame = ByteBuffer.allocate(6 + body.length).putInt(body.length + 2).put((byte) 1).put((byte) type).put(body);
        readsOrRefuses(frame.array());
    }

    /** A valid frame with one byte changed or the stream cut short. */
    @Property(tries = 2000)
    void mutatedFramesNeverThrowAnythingButProtocolExceptionOrEof(@ForAll("requests") AuthenticateRequest request,
                                                                  @ForAll @IntRange(min = 0, max = 5000) int where,
                                                                  @ForAll byte replacement,
                                                                  @ForAll boolean cut) {
        byte[] frame = Frames.encodeRequest(request);
        int at = where % frame.length;
        if (cut) {
            byte[] part = new byte[at];
            System.arraycopy(frame, 0, part, 0, at);
            readsOrRefuses(part);
        } else {
            frame[at] = replacement;
            readsOrRefuses(frame);
        }
    }

    /** Strict decoding agrees with the JDK's own strict UTF-8 check: what decodes is what was sent. */
    @Property
    void anyDecodedFieldReEncodesToTheSameBytes(@ForAll @Size(max = 64) byte[] value) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + 2 + 12 + value.length).putInt(2 + 12 + value.length).put((byte) 1).put((byte) 1)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) value.length).put(value).putShort((short) 0);
        try {
            AuthenticateRequest request = Frames.readRequest(new ByteArrayInputStream(frame.array()));
            assertEquals(ByteBuffer.wrap(value), ByteBuffer.wrap(request.value().getBytes(StandardCharsets.UTF_8)));
        } catch (ProtocolException e) {
            // not UTF-8: refused, fine
        }
    }

    private static void readsOrRefuses(byte[] bytes) {
        for (boolean answer : new boolean[] {false, true}) {
            try {
                if (answer) {
                    Frames.readAnswer(new ByteArrayInputStream(bytes));
                } else {
                    Frames.readRequest(new ByteArrayInputStream(bytes));
                }
            } catch (ProtocolException | EOFException expected) {
                // the only two ways to refuse
            } catch (IOException | RuntimeException e) {
                throw new AssertionError("unexpected " + e, e);
            }
        }
    }
}
