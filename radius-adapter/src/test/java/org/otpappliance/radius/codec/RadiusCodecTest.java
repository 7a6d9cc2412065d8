package org.otpappliance.radius.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class RadiusCodecTest {
    // RFC 2865 §7.1, "User Telnet to Specified Host": secret xyzzy5461, user nemo, password arctangent.
    private static final byte[] SECRET = "xyzzy5461".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RFC_REQUEST = hex("01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a"
            + " 01 06 6e 65 6d 6f 02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee"
            + " 04 06 c0 a8 01 10 05 06 00 00 00 03");
    private static final byte[] RFC_ACCEPT = hex("02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2"
            + " 06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03");
    private static final byte[] RFC_AUTHENTICATOR = hex("0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a");

    @Test
    void decodesTheRfc2865Example() throws MalformedPacketException {
        RadiusPacket p = RadiusPacket.decode(RFC_REQUEST);
        assertEquals(PacketCode.ACCESS_REQUEST, p.code());
        assertEquals(0, p.identifier());
        assertEquals(56, p.length());
        assertArrayEquals(RFC_AUTHENTICATOR, p.authenticator());
        assertEquals(List.of(1, 2, 4, 5), p.attributes().stream().map(RadiusAttribute::type).toList());
        assertEquals("nemo", p.attribute(AttributeType.USER_NAME).orElseThrow().text());
        assertArrayEquals(RFC_REQUEST, p.bytes());
        assertEquals(RadiusCrypto.MessageAuthenticatorCheck.ABSENT, RadiusCrypto.checkRequest(p, SECRET));
    }

    @Test
    void revealsAndHidesTheRfc2865Password() throws MalformedPacketException {
        byte[] hidden = hex("0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee");
        assertEquals("arctangent", new String(RadiusCrypto.revealPassword(hidden, SECRET, RFC_AUTHENTICATOR), StandardCharsets.US_ASCII));
        assertArrayEquals(hidden, RadiusCrypto.hidePassword("arctangent".getBytes(StandardCharsets.US_ASCII), SECRET, RFC_AUTHENTICATOR));
    }

    @Test
    void verifiesTheRfc2865ResponseAuthenticator() {
        assertTrue(RadiusCrypto.verifyResponse(RFC_ACCEPT, RFC_AUTHENTICATOR, SECRET, false));
        assertFalse(RadiusCrypto.verifyResponse(RFC_ACCEPT, RFC_AUTHENTICATOR, SECRET, true), "no Message-Authenticator");
        assertFalse(RadiusCrypto.verifyResponse(RFC_ACCEPT, RFC_AUTHENTICATOR, "xyzzy5462".getBytes(StandardCharsets.US_ASCII), false));
        byte[] tampered = RFC_ACCEPT.clone();
        tampered[tampered.length - 1] ^= 1;
        assertFalse(RadiusCrypto.verifyResponse(tampered, RFC_AUTHENTICATOR, SECRET, false));
    }

    @Test
    void responsesCarryTheMessageAuthenticatorFirstAndVerify() {
        List<RadiusAttribute> attributes = List.of(
                RadiusAttribute.of(AttributeType.SERVICE_TYPE, new byte[] {0, 0, 0, 1}),
                RadiusAttribute.text(AttributeType.REPLY_MESSAGE, "hello"));
        byte[] response = RadiusCrypto.encodeResponse(PacketCode.ACCESS_ACCEPT, 0, RFC_AUTHENTICATOR, attributes, SECRET);
        assertEquals(20 + 18 + 6 + 7, response.length);
        assertEquals(AttributeType.MESSAGE_AUTHENTICATOR, response[20]);
        assertEquals(18, response[21]);
        assertTrue(RadiusCrypto.verifyResponse(response, RFC_AUTHENTICATOR, SECRET, true));

        // Independently: HMAC-MD5 over the response with the Request Authenticator and a zeroed MA.
        byte[] input = response.clone();
        System.arraycopy(RFC_AUTHENTICATOR, 0, input, 4, 16);
        Arrays.fill(input, 22, 38, (byte) 0);
        assertArrayEquals(hmacMd5(SECRET, input), Arrays.copyOfRange(response, 22, 38));

        // Without the MA, the same attributes as the RFC's Accept give its Response Authenticator back.
        byte[] corrupted = response.clone();
        corrupted[30] ^= 1;
        assertFalse(RadiusCrypto.verifyResponse(corrupted, RFC_AUTHENTICATOR, SECRET, false));
    }

    @Test
    void theEncoderAddsTheMessageAuthenticatorItself() {
        List<RadiusAttribute> withMa = List.of(RadiusAttribute.of(AttributeType.MESSAGE_AUTHENTICATOR, new byte[16]));
        assertThrows(IllegalArgumentException.class,
                () -> RadiusCrypto.encodeResponse(PacketCode.ACCESS_ACCEPT, 0, RFC_AUTHENTICATOR, withMa, SECRET));
    }

    @Test
    void checksARequestMessageAuthenticator() throws MalformedPacketException {
        List<RadiusAttribute> attributes = List.of(RadiusAttribute.text(AttributeType.USER_NAME, "nemo"));
        byte[] request = RadiusCrypto.encodeAccessRequest(7, RFC_AUTHENTICATOR, attributes, SECRET, true);
        assertEquals(RadiusCrypto.MessageAuthenticatorCheck.VALID, RadiusCrypto.checkRequest(RadiusPacket.decode(request), SECRET));
        assertEquals(RadiusCrypto.MessageAuthenticatorCheck.INVALID,
                RadiusCrypto.checkRequest(RadiusPacket.decode(request), "other".getBytes(StandardCharsets.US_ASCII)));
        byte[] tampered = request.clone();
        tampered[tampered.length - 1] ^= 1;
        assertEquals(RadiusCrypto.MessageAuthenticatorCheck.INVALID, RadiusCrypto.checkRequest(RadiusPacket.decode(tampered), SECRET));

        byte[] independent = request.clone();
        Arrays.fill(independent, 22, 38, (byte) 0);
        assertArrayEquals(hmacMd5(SECRET, independent), Arrays.copyOfRange(request, 22, 38));

        RadiusPacket twice = RadiusPacket.of(1, 1, RFC_AUTHENTICATOR, List.of(
                RadiusAttribute.of(AttributeType.MESSAGE_AUTHENTICATOR, new byte[16]),
                RadiusAttribute.of(AttributeType.MESSAGE_AUTHENTICATOR, new byte[16])));
        assertEquals(RadiusCrypto.MessageAuthenticatorCheck.MALFORMED, RadiusCrypto.checkRequest(twice, SECRET));
        RadiusPacket shortMa = RadiusPacket.of(1, 1, RFC_AUTHENTICATOR, List.of(
                RadiusAttribute.of(AttributeType.MESSAGE_AUTHENTICATOR, new byte[15])));
        assertEquals(RadiusCrypto.MessageAuthenticatorCheck.MALFORMED, RadiusCrypto.checkRequest(shortMa, SECRET));
    }

    @Test
    void rejectsMalformedDatagrams() {
        assertMalformed(new byte[0]);
        assertMalformed(new byte[19]);
        assertMalformed(new byte[4097]);
        assertMalformed(withLength(RFC_REQUEST, 19));
        assertMalformed(withLength(RFC_REQUEST, 57)); // beyond the datagram
        assertMalformed(withLength(new byte[4096], 4097));
        byte[] attributeLengthOne = RFC_REQUEST.clone();
        attributeLengthOne[21] = 1;
        assertMalformed(attributeLengthOne);
        byte[] attributeLengthZero = RFC_REQUEST.clone();
        attributeLengthZero[21] = 0;
        assertMalformed(attributeLengthZero);
        byte[] overrun = RFC_REQUEST.clone();
        overrun[51] = 7; // the last attribute claims one byte more than there is
        assertMalformed(overrun);
        byte[] dangling = Arrays.copyOf(RFC_REQUEST, 57);
        dangling[3] = 57; // one byte after the last attribute: no room for a header
        assertMalformed(dangling);
        byte[] typeZero = RFC_REQUEST.clone();
        typeZero[20] = 0;
        assertMalformed(typeZero);
    }

    @Test
    void ignoresPaddingAfterTheLengthField() throws MalformedPacketException {
        byte[] padded = Arrays.copyOf(RFC_REQUEST, RFC_REQUEST.length + 10);
        RadiusPacket p = RadiusPacket.decode(padded);
        assertEquals(56, p.length());
        assertArrayEquals(RFC_REQUEST, p.bytes());
    }

    @Test
    void anAttributeOfLengthTwoIsAnEmptyValue() throws MalformedPacketException {
        byte[] packet = Arrays.copyOf(RFC_REQUEST, 58);
        packet[3] = 58;
        packet[56] = 26;
        packet[57] = 2;
        RadiusPacket p = RadiusPacket.decode(packet);
        assertEquals(0, p.attribute(26).orElseThrow().valueLength());
    }

    @Test
    void passwordsRoundTripAtEveryLength() throws MalformedPacketException {
        for (int length = 0; length <= 128; length++) {
            byte[] password = new byte[length];
            for (int i = 0; i < length; i++) {
                password[i] = (byte) ('a' + i % 26);
            }
            byte[] hidden = RadiusCrypto.hidePassword(password, SECRET, RFC_AUTHENTICATOR);
            assertEquals(Math.max(16, (length + 15) / 16 * 16), hidden.length);
            assertArrayEquals(password, RadiusCrypto.revealPassword(hidden, SECRET, RFC_AUTHENTICATOR));
        }
        assertThrows(IllegalArgumentException.class, () -> RadiusCrypto.hidePassword(new byte[129], SECRET, RFC_AUTHENTICATOR));
        assertThrows(MalformedPacketException.class, () -> RadiusCrypto.revealPassword(new byte[15], SECRET, RFC_AUTHENTICATOR));
        assertThrows(MalformedPacketException.class, () -> RadiusCrypto.revealPassword(new byte[144], SECRET, RFC_AUTHENTICATOR));
        assertThrows(MalformedPacketException.class, () -> RadiusCrypto.revealPassword(new byte[17], SECRET, RFC_AUTHENTICATOR));
    }

    @Test
    void packetsRefuseToGrowPast4096Bytes() {
        List<RadiusAttribute> big = java.util.Collections.nCopies(17, RadiusAttribute.of(26, new byte[253]));
        assertThrows(IllegalArgumentException.class, () -> RadiusPacket.of(2, 0, RFC_AUTHENTICATOR, big)); // 20 + 17*255 = 4355
        assertThrows(IllegalArgumentException.class, () -> RadiusAttribute.of(26, new byte[254]));
        assertThrows(IllegalArgumentException.class, () -> RadiusAttribute.of(0, new byte[1]));
    }

    @Test
    void printsNoValues() {
        RadiusAttribute a = RadiusAttribute.text(AttributeType.USER_PASSWORD, "secret-ish");
        assertFalse(a.toString().contains("secret"));
        assertFalse(RadiusPacket.of(1, 0, RFC_AUTHENTICATOR, List.of(a)).toString().contains("secret"));
    }

    private static void assertMalformed(byte[] datagram) {
        assertThrows(MalformedPacketException.class, () -> RadiusPacket.decode(datagram));
    }

    private static byte[] withLength(byte[] packet, int length) {
        byte[] copy = packet.clone();
        copy[2] = (byte) (length >> 8);
        copy[3] = (byte) length;
        return copy;
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static byte[] hmacMd5(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(key, "HmacMD5"));
            return mac.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
