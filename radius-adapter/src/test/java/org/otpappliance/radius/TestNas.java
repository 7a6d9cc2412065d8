package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tiny RADIUS client for tests, written independently of the server's codec (its own encoding,
 * password hiding and verification, straight from RFC 2865 and RFC 3579), so that the two cannot
 * share a mistake. Sends from a UDP socket bound to a chosen loopback address.
 */
final class TestNas implements AutoCloseable {
    static final int MA = 80;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DatagramSocket socket;
    private final InetSocketAddress server;
    private final byte[] secret;
    private int nextId = RANDOM.nextInt(256);

    TestNas(String localAddress, InetSocketAddress server, String secret) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        this.server = server;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** An attribute to send: type and raw value. */
    record Attr(int type, byte[] value) {
        static Attr text(int type, String value) {
            return new Attr(type, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** An Access-Request being built. */
    final class Request {
        int code = 1;
        int id;
        byte[] authenticator = new byte[16];
        final List<Attr> attributes = new ArrayList<>();
        /** 0: none; 1: first; 2: last. */
        int messageAuthenticator = 1;
        byte[] password;

        Request(String user) {
            id = nextId++ & 0xff;
            RANDOM.nextBytes(authenticator);
            if (user != null) {
                attributes.add(Attr.text(1, user));
            }
        }

        Request password(String text) {
            return password(text.getBytes(StandardCharsets.UTF_8));
        }

        Request password(byte[] bytes) {
            password = bytes;
            return this;
        }

        Request attribute(int type, byte[] value) {
            attributes.add(new Attr(type, value));
            return this;
        }

        Request text(int type, String value) {
            attributes.add(Attr.text(type, value));
            return this;
        }

        Request noMessageAuthenticator() {
            messageAuthenticator = 0;
            return this;
        }

        Request messageAuthenticatorLast() {
            messageAuthenticator = 2;
            return this;
        }

        Request code(int c) {
            code = c;
            return this;
        }

        /** The datagram, signed with the NAS's secret (or another one). */
        byte[] encode() {
            return encode(secret);
        }

        byte[] encode(byte[] withSecret) {
            ByteArrayOutputStream attrs = new ByteArrayOutputStream();
            int maOffset = -1;
            if (messageAuthenticator == 1) {
                maOffset = 20;
                writeAttr(attrs, MA, new byte[16]);
            }
            for (Attr a : attributes) {
                writeAttr(attrs, a.type(), a.value());
            }
            if (password != null) {
                writeAttr(attrs, 2, hide(password, withSecret, authenticator));
            }
            if (messageAuthenticator == 2) {
                maOffset = 20 + attrs.size();
                writeAttr(attrs, MA, new byte[16]);
            }
            byte[] body = attrs.toByteArray();
            byte[] packet = new byte[20 + body.length];
            packet[0] = (byte) code;
            packet[1] = (byte) id;
            packet[2] = (byte) (packet.length >> 8);
            packet[3] = (byte) packet.length;
            System.arraycopy(authenticator, 0, packet, 4, 16);
            System.arraycopy(body, 0, packet, 20, body.length);
            if (maOffset >= 0) {
                byte[] mac = hmacMd5(withSecret, packet);
                System.arraycopy(mac, 0, packet, maOffset + 2, 16);
            }
            return packet;
        }
    }

    Request request(String user) {
        return new Request(user);
    }

    void send(byte[] datagram) throws IOException {
        socket.send(new DatagramPacket(datagram, datagram.length, server));
    }

    /** The next datagram to arrive within {@code wait}, or empty. */
    Optional<Reply> receive(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] buf = new byte[65_536];
        while (true) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (deadline - System.nanoTime() <= 0) {
                return Optional.empty();
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            return Optional.of(new Reply(Arrays.copyOf(p.getData(), p.getLength())));
        }
    }

    /** Sends and waits (at most {@code wait}) for a reply with the request's identifier. */
    Optional<Reply> exchange(Request request, Duration wait) throws IOException {
        return exchange(request, request.encode(), wait);
    }

    Optional<Reply> exchange(Request request, byte[] datagram, Duration wait) throws IOException {
        send(datagram);
        long deadline = System.nanoTime() + wait.toNanos();
        while (deadline - System.nanoTime() > 0) {
            Optional<Reply> reply = receive(Duration.ofNanos(deadline - System.nanoTime()));
            if (reply.isEmpty()) {
                return reply;
            }
            if (reply.get().id() == request.id) {
                return reply;
            }
        }
        return Optional.empty();
    }

    /** Sends, expects a reply within 5 s, and checks it: Response Authenticator, Message-Authenticator first and right. */
    Reply answer(Request request) throws IOException {
        Reply reply = exchange(request, Duration.ofSeconds(5)).orElseThrow(() -> new AssertionError("no reply"));
        reply.assertVerified(request, secret);
        return reply;
    }

    @Override
    public void close() {
        socket.close();
    }

    /** A received datagram. */
    record Reply(byte[] bytes) {
        int code() {
            return bytes[0] & 0xff;
        }

        int id() {
            return bytes[1] & 0xff;
        }

        List<Attr> attributes() {
            List<Attr> out = new ArrayList<>();
            int length = ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
            int pos = 20;
            while (pos + 2 <= length) {
                int len = bytes[pos + 1] & 0xff;
                out.add(new Attr(bytes[pos] & 0xff, Arrays.copyOfRange(bytes, pos + 2, pos + len)));
                pos += len;
            }
            return out;
        }

        List<Attr> attributes(int type) {
            return attributes().stream().filter(a -> a.type() == type).toList();
        }

        Optional<String> text(int type) {
            List<Attr> found = attributes(type);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            StringBuilder s = new StringBuilder();
            for (Attr a : found) {
                s.append(new String(a.value(), StandardCharsets.UTF_8));
            }
            return Optional.of(s.toString());
        }

        Optional<byte[]> value(int type) {
            return attributes(type).stream().findFirst().map(Attr::value);
        }

        /**
         * RFC 2865 §3: Response Authenticator = MD5(Code | ID | Length | Request Authenticator |
         * Attributes | Secret). RFC 3579 §3.2: Message-Authenticator = HMAC-MD5(secret, the response
         * with the Request Authenticator in place and the MA value zeroed); here it must be first.
         */
        void assertVerified(Request request, byte[] secret) {
            int length = ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
            assertEquals(bytes.length, length, "Length field");
            assertEquals(request.id, id(), "identifier");
            byte[] withRequestAuth = bytes.clone();
            System.arraycopy(request.authenticator, 0, withRequestAuth, 4, 16);
            byte[] expected = md5(withRequestAuth, secret);
            assertArrayEquals(expected, Arrays.copyOfRange(bytes, 4, 20), "Response Authenticator");
            assertTrue(bytes.length >= 38, "room for a Message-Authenticator");
            assertEquals(MA, bytes[20] & 0xff, "Message-Authenticator is the first attribute");
            assertEquals(18, bytes[21] & 0xff, "Message-Authenticator length");
            byte[] zeroed = withRequestAuth.clone();
            Arrays.fill(zeroed, 22, 38, (byte) 0);
            assertArrayEquals(hmacMd5(secret, zeroed), Arrays.copyOfRange(bytes, 22, 38), "Message-Authenticator");
            assertEquals(1, attributes(MA).size(), "one Message-Authenticator");
        }
    }

    // ---------------------------------------------------------------- RFC 2865 §5.2, by the book

    static byte[] hide(byte[] password, byte[] secret, byte[] requestAuthenticator) {
        int n = Math.max(16, ((password.length + 15) / 16) * 16);
        byte[] p = Arrays.copyOf(password, n);
        byte[] c = new byte[n];
        byte[] prev = requestAuthenticator;
        for (int i = 0; i < n; i += 16) {
            byte[] b = md5(secret, prev);
            for (int j = 0; j < 16; j++) {
                c[i + j] = (byte) (p[i + j] ^ b[j]);
            }
            prev = Arrays.copyOfRange(c, i, i + 16);
        }
        return c;
    }

    static void writeAttr(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(value.length + 2);
        out.writeBytes(value);
    }

    static byte[] md5(byte[] a, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(a);
            md.update(b);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] hmacMd5(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(key, "HmacMD5"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
