package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.radius.codec.AttributeType;
import org.otpappliance.radius.codec.PacketCode;

/**
 * Thousands of random and mutated datagrams — truncated, with wrong Length fields, attribute lengths
 * of 0, 1 or past the end, huge attributes, duplicated or missing User-Name, garbage State, sometimes
 * with a correctly recomputed Message-Authenticator so that they get past it — from known and unknown
 * sources. After every batch the server has handled each one without an unexpected exception, and a
 * valid request still gets its verified answer.
 */
class RadiusServerFuzzTest {
    private static ServerFixture fixture;
    private static TestNas[] senders;
    private static TestNas probe;

    /** One datagram to send: its bytes, who sends it, and whether to recompute a leading Message-Authenticator. */
    record Datagram(byte[] bytes, int sender, boolean resign) {
        @Override
        public String toString() {
            return "Datagram[" + bytes.length + " bytes, sender " + sender + ", resign " + resign + ", "
                    + java.util.HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 64)) + "]";
        }
    }

    /** A change to a well-formed request. */
    record Mutation(int kind, int position, int value, int count) {
    }

    private static final java.util.concurrent.atomic.AtomicInteger ROUND_ROBIN = new java.util.concurrent.atomic.AtomicInteger();
    private static final String[] SECRETS = {ServerFixture.SECRET_A, ServerFixture.SECRET_LEGACY, "whatever"};

    @BeforeContainer
    static void start() throws IOException {
        fixture = new ServerFixture();
        fixture.validator.script = (request, context) -> {
            String code = request.code();
            if (code.equals("liveness-probe")) {
                return new VerificationResult.Accepted("PROBE");
            }
            return switch (ROUND_ROBIN.getAndIncrement() % 4) {
                case 0 -> new VerificationResult.Accepted("T1");
                case 1 -> new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE, "nope");
                case 2 -> new VerificationResult.Challenge("tx-" + code.length(), "more");
                default -> throw new IllegalStateException("scripted failure");
            };
        };
        senders = new TestNas[] {
                fixture.nas("127.0.0.1", SECRETS[0]), // vpn-a: MA required
                fixture.nas("127.0.0.3", SECRETS[1]), // legacy: MA optional
                fixture.nas("127.0.0.2", SECRETS[2]), // unknown
        };
        probe = fixture.vpnA();
    }

    @AfterContainer
    static void stop() {
        RadiusServer.Statistics s = fixture.server.statistics();
        System.out.println("RADIUS fuzz: " + s);
        // The generators reach every fate, not only the first checks: answered, malformed, bad or
        // missing Message-Authenticator, unknown client, validator failures.
        assertTrue(s.received() >= 2000, "thousands of datagrams: " + s);
        assertTrue(s.malformed() > 0 && s.accepts() > 0 && s.rejects() > 0 && s.challenges() > 0 && s.badMessageAuthenticator() > 0
                && s.unknownClient() > 0 && s.validatorErrors() > 0 && s.notAccessRequest() > 0, "every fate reached: " + s);
        for (TestNas nas : senders) {
            nas.close();
        }
        probe.close();
        fixture.close();
    }

    @Property(tries = 400)
    void noDatagramStopsTheServer(@ForAll("batches") List<Datagram> batch) throws IOException {
        for (Datagram d : batch) {
            TestNas nas = senders[d.sender()];
            byte[] bytes = d.resign() ? resign(d.bytes(), SECRETS[d.sender()]) : d.bytes();
            nas.send(bytes);
        }
        fixture.awaitIdle();
        assertEquals(0, fixture.server.statistics().internalErrors(), () -> "unexpected failures: " + fixture.server.statistics());

        TestNas.Reply reply = probe.answer(probe.request("alice").password("liveness-probe"));
        assertEquals(PacketCode.ACCESS_ACCEPT, reply.code());
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<List<Datagram>> batches() {
        Arbitrary<Datagram> mutated = Arbitraries.integers().between(0, 2).flatMap(sender ->
                Combinators.combine(requests(SECRETS[sender]),
                        Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, Arbitraries.just(List.<Mutation>of())),
                                net.jqwik.api.Tuple.of(3, mutations().list().ofMinSize(1).ofMaxSize(3))),
                        Arbitraries.of(true, true, true, false))
                        .as((request, mutations, resign) -> new Datagram(apply(request, mutations), sender, resign)));
        Arbitrary<Datagram> random = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(4200),
                        Arbitraries.integers().between(0, 2))
                .as((bytes, sender) -> new Datagram(bytes, sender, false));
        Arbitrary<Datagram> randomAccessRequest = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMinSize(20).ofMaxSize(300),
                        Arbitraries.integers().between(0, 1), Arbitraries.of(true, false))
                .as((bytes, sender, resign) -> {
                    bytes[0] = 1;
                    bytes[2] = (byte) (bytes.length >> 8);
                    bytes[3] = (byte) bytes.length;
                    return new Datagram(bytes, sender, resign);
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, mutated),
                net.jqwik.api.Tuple.of(1, random),
                net.jqwik.api.Tuple.of(2, randomAccessRequest)
        ).list().ofMinSize(1).ofMaxSize(20);
    }

    /**
     * A well-formed Access-Request with a leading (zero) Message-Authenticator and assorted
     * attributes; its User-Password, when it has one, is mostly a text hidden with {@code secret},
     * sometimes raw bytes of any length.
     */
    Arbitrary<byte[]> requests(String secret) {
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(253);
        Arbitrary<byte[]> raw = Arbitraries.of(0, 15, 16, 17, 32, 128, 144, 253).flatMap(
                n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
        Arbitrary<byte[]> text = Arbitraries.strings().alpha().numeric().ofMaxLength(60).map(t -> t.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> passwordish = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, text), net.jqwik.api.Tuple.of(1, raw));
        Arbitrary<Boolean> hideIt = Arbitraries.of(true, true, true, false);
        Arbitrary<int[]> counts = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(8);
        return Combinators.combine(counts, values.list().ofMaxSize(8), passwordish, Arbitraries.strings().ofMinLength(1).ofMaxLength(40),
                        Arbitraries.integers().between(1, 255).filter(t -> t != 1 && t != 2 && t != 24 && t != TestNas.MA).list().ofMaxSize(8),
                        Arbitraries.bytes().array(byte[].class).ofSize(16), hideIt)
                .as((n, blobs, passwordChoice, user, types, authenticator, hide) -> {
                    byte[] password = hide && passwordChoice.length <= 128
                            ? TestNas.hide(passwordChoice, secret.getBytes(StandardCharsets.UTF_8), authenticator)
                            : passwordChoice;
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    TestNas.writeAttr(out, TestNas.MA, new byte[16]);
                    // Mostly one User-Name and one User-Password; sometimes none or two of each.
                    int users = n[0] == 2 && n[6] == 2 ? 2 : n[0] == 0 && n[6] == 0 ? 0 : 1;
                    int passwords = n[1] == 2 && n[7] == 2 ? 2 : n[1] == 0 && n[7] == 0 ? 0 : 1;
                    for (int i = 0; i < users; i++) {
                        TestNas.writeAttr(out, AttributeType.USER_NAME, cap(user.getBytes(StandardCharsets.UTF_8)));
                    }
                    for (int i = 0; i < passwords; i++) {
                        TestNas.writeAttr(out, AttributeType.USER_PASSWORD, password);
                    }
                    int states = n[2] == 2 && n[3] == 2 ? 2 : n[2] == 2 ? 1 : 0;
                    for (int i = 0; i < states; i++) {
                        TestNas.writeAttr(out, AttributeType.STATE, cap(("v1.tx-" + i + ".AAAAAAAAAAAAAAAAAAAAAA").getBytes(StandardCharsets.UTF_8)));
                    }
                    for (int i = 0; i < n[3]; i++) {
                        TestNas.writeAttr(out, AttributeType.PROXY_STATE, blobs.isEmpty() ? new byte[0] : blobs.get(i % blobs.size()));
                    }
                    if (n[4] == 2 && n[5] == 1) {
                        TestNas.writeAttr(out, AttributeType.CHAP_PASSWORD, new byte[17]);
                    } else if (n[4] == 2 && n[5] == 2) {
                        TestNas.writeAttr(out, AttributeType.EAP_MESSAGE, new byte[] {2, 1, 0, 5, 1});
                    }
                    for (int i = 0; i < types.size() && i < blobs.size(); i++) {
                        int type = types.get(i);
                        if (type != TestNas.MA && out.size() + blobs.get(i).length + 2 <= 4076) {
                            TestNas.writeAttr(out, type, blobs.get(i));
                        }
                    }
                    byte[] body = out.toByteArray();
                    byte[] packet = new byte[Math.min(4096, 20 + body.length)];
                    packet[0] = 1;
                    packet[1] = authenticator[0];
                    packet[2] = (byte) (packet.length >> 8);
                    packet[3] = (byte) packet.length;
                    System.arraycopy(authenticator, 0, packet, 4, 16);
                    System.arraycopy(body, 0, packet, 20, packet.length - 20);
                    return packet;
                });
    }

    Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 5000),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 20)).as(Mutation::new);
    }

    static byte[] apply(byte[] packet, List<Mutation> mutations) {
        byte[] p = packet;
        for (Mutation m : mutations) {
            switch (m.kind()) {
                case 0 -> p = Arrays.copyOf(p, m.position() % (p.length + 1)); // truncate
                case 1 -> { // one byte anywhere
                    if (p.length > 0) {
                        p = p.clone();
                        p[m.position() % p.length] = (byte) m.value();
                    }
                }
                case 2 -> { // a Length field anywhere from 0 to 5000
                    if (p.length >= 4) {
                        p = p.clone();
                        p[2] = (byte) (m.position() >> 8);
                        p[3] = (byte) m.position();
                    }
                }
                case 3 -> { // an attribute's length byte: 0, 1, 2, past the end, or random
                    List<Integer> offsets = attributeOffsets(p);
                    if (!offsets.isEmpty()) {
                        p = p.clone();
                        int at = offsets.get(m.position() % offsets.size());
                        int[] choices = {0, 1, 2, 255, m.value()};
                        p[at + 1] = (byte) choices[m.count() % choices.length];
                    }
                }
                case 4 -> { // huge attributes appended, Length field kept consistent (may exceed 4096)
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.writeBytes(p);
                    for (int i = 0; i < m.count(); i++) {
                        TestNas.writeAttr(out, 26, new byte[253]);
                    }
                    p = out.toByteArray();
                    if (p.length >= 4) {
                        p[2] = (byte) (Math.min(p.length, 65_535) >> 8);
                        p[3] = (byte) Math.min(p.length, 65_535);
                    }
                }
                case 5 -> { // trailing garbage, Length field unchanged (padding) or changed
                    byte[] longer = Arrays.copyOf(p, p.length + m.count() * 3);
                    Arrays.fill(longer, p.length, longer.length, (byte) m.value());
                    if (m.position() % 2 == 0 && longer.length >= 4) {
                        longer[2] = (byte) (longer.length >> 8);
                        longer[3] = (byte) longer.length;
                    }
                    p = longer;
                }
                case 6 -> { // the code
                    if (p.length > 0) {
                        p = p.clone();
                        p[0] = (byte) (m.value() % 3 == 0 ? m.value() : 1);
                    }
                }
                default -> { // drop one attribute, keeping the Length field consistent
                    List<Integer> offsets = attributeOffsets(p);
                    if (offsets.size() > 1) {
                        int at = offsets.get(1 + m.position() % (offsets.size() - 1));
                        int len = p[at + 1] & 0xff;
                        byte[] shorter = new byte[p.length - len];
                        System.arraycopy(p, 0, shorter, 0, at);
                        System.arraycopy(p, at + len, shorter, at, p.length - at - len);
                        shorter[2] = (byte) (shorter.length >> 8);
                        shorter[3] = (byte) shorter.length;
                        p = shorter;
                    }
                }
            }
        }
        return p;
    }

    /** The offsets of the well-formed prefix of attributes. */
    static List<Integer> attributeOffsets(byte[] p) {
        List<Integer> offsets = new ArrayList<>();
        int pos = 20;
        while (pos + 2 <= p.length) {
            int len = p[pos + 1] & 0xff;
            if (len < 2 || pos + len > p.length) {
                break;
            }
            offsets.add(pos);
            pos += len;
        }
        return offsets;
    }

    /**
     * Recomputes a Message-Authenticator at offset 20 over the packet as the server will see it (up to
     * its Length field), so that a mutation gets past the check and into the parser.
     */
    static byte[] resign(byte[] p, String secret) {
        if (p.length < 38 || (p[20] & 0xff) != TestNas.MA || (p[21] & 0xff) != 18) {
            return p;
        }
        int declared = ((p[2] & 0xff) << 8) | (p[3] & 0xff);
        if (declared < 38 || declared > p.length) {
            return p;
        }
        byte[] signed = p.clone();
        byte[] input = Arrays.copyOf(signed, declared);
        Arrays.fill(input, 22, 38, (byte) 0);
        byte[] mac = TestNas.hmacMd5(secret.getBytes(StandardCharsets.UTF_8), input);
        System.arraycopy(mac, 0, signed, 22, 16);
        return signed;
    }

    private static byte[] cap(byte[] value) {
        return value.length > 253 ? Arrays.copyOf(value, 253) : value;
    }
}
