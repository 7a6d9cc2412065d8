package org.otpappliance.radius.codec;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared-secret constructions of RADIUS: {@code User-Password} hiding (RFC 2865 §5.2), the
 * Response Authenticator (RFC 2865 §3) and {@code Message-Authenticator} (RFC 3579 §3.2), for the
 * server side (verify requests, encode responses) and the client side (encode requests, verify
 * responses; for tests and load generators). MAC comparisons are constant-time.
 */
public final class RadiusCrypto {
    /** RFC 2865 §5.2: a hidden password is 16 to 128 bytes, a multiple of 16. */
    public static final int MAX_PASSWORD_LENGTH = 128;
    private static final int BLOCK = 16;
    private static final int MA_ATTRIBUTE_LENGTH = 18;

    /** The outcome of checking a request's {@code Message-Authenticator}. */
    public enum MessageAuthenticatorCheck {
        /** None in the packet. */
        ABSENT,
        /** Exactly one, 16 bytes, and it matches the packet under the secret. */
        VALID,
        /** Exactly one, 16 bytes, and it does not match: wrong secret or tampered packet. */
        INVALID,
        /** More than one, or not 16 bytes. */
        MALFORMED
    }

    private RadiusCrypto() {
    }

    // ---------------------------------------------------------------- Message-Authenticator

    /**
     * Checks a request's {@code Message-Authenticator}: HMAC-MD5 under the secret over the packet as
     * received, with the attribute's value taken as 16 zero bytes (RFC 3579 §3.2; for an
     * Access-Request the authenticator field is the Request Authenticator as sent).
     */
    public static MessageAuthenticatorCheck checkRequest(RadiusPacket request, byte[] secret) {
        int index = -1;
        List<RadiusAttribute> attributes = request.attributes();
        for (int i = 0; i < attributes.size(); i++) {
            if (attributes.get(i).type() == AttributeType.MESSAGE_AUTHENTICATOR) {
                if (index >= 0) {
                    return MessageAuthenticatorCheck.MALFORMED;
                }
                index = i;
            }
        }
        if (index < 0) {
            return MessageAuthenticatorCheck.ABSENT;
        }
        RadiusAttribute ma = attributes.get(index);
        if (ma.valueLength() != BLOCK) {
            return MessageAuthenticatorCheck.MALFORMED;
        }
        byte[] expected = hmacMd5WithZeroedValue(request.raw(), request.offsetOf(index), secret);
        return MessageDigest.isEqual(expected, ma.raw()) ? MessageAuthenticatorCheck.VALID : MessageAuthenticatorCheck.INVALID;
    }

    /** HMAC-MD5(secret, packet) with the 16 value bytes of the attribute at {@code attributeOffset} zeroed. */
    private static byte[] hmacMd5WithZeroedValue(byte[] packet, int attributeOffset, byte[] secret) {
        byte[] copy = packet.clone();
        Arrays.fill(copy, attributeOffset + 2, attributeOffset + 2 + BLOCK, (byte) 0);
        return hmacMd5(secret, copy);
    }

    // ---------------------------------------------------------------- responses (server side)

    /**
     * Encodes a response: {@code Message-Authenticator} first, then {@code attributes} in order. The
     * Message-Authenticator is computed over the response with the Request Authenticator in the
     * authenticator field, then the Response Authenticator, MD5(Code | Identifier | Length | Request
     * Authenticator | Attributes | secret), over the packet including it (RFC 3579 §3.2, RFC 2865 §3).
     *
     * @param attributes must not contain a Message-Authenticator
     * @throws IllegalArgumentException when the response would be longer than 4096 bytes
     */
    public static byte[] encodeResponse(int code, int identifier, byte[] requestAuthenticator,
                                        List<RadiusAttribute> attributes, byte[] secret) {
        byte[] bytes = withMessageAuthenticatorFirst(code, identifier, requestAuthenticator, attributes, secret);
        byte[] responseAuthenticator = md5(bytes, secret);
        System.arraycopy(responseAuthenticator, 0, bytes, 4, BLOCK);
        return bytes;
    }

    // ---------------------------------------------------------------- requests and their answers (client side)

    /**
     * Encodes an Access-Request with the given (random, 16-byte) Request Authenticator; with
     * {@code messageAuthenticator}, a Message-Authenticator first. {@code attributes} carry an already
     * hidden User-Password ({@link #hidePassword}) and no Message-Authenticator.
     */
    public static byte[] encodeAccessRequest(int identifier, byte[] requestAuthenticator, List<RadiusAttribute> attributes,
                                             byte[] secret, boolean messageAuthenticator) {
        if (!messageAuthenticator) {
            rejectMessageAuthenticator(attributes);
            return RadiusPacket.of(PacketCode.ACCESS_REQUEST, identifier, requestAuthenticator, attributes).bytes();
        }
        return withMessageAuthenticatorFirst(PacketCode.ACCESS_REQUEST, identifier, requestAuthenticator, attributes, secret);
    }

    /**
     * Verifies a response to a request: the Response Authenticator, and the Message-Authenticator if
     * there is one (or if {@code requireMessageAuthenticator}, it must be there). False for anything
     * malformed.
     */
    public static boolean verifyResponse(byte[] response, byte[] requestAuthenticator, byte[] secret,
                                         boolean requireMessageAuthenticator) {
        RadiusPacket packet;
        try {
            packet = RadiusPacket.decode(response);
        } catch (MalformedPacketException e) {
            return false;
        }
        byte[] bytes = packet.bytes();
        byte[] received = Arrays.copyOfRange(bytes, 4, 4 + BLOCK);
        System.arraycopy(requestAuthenticator, 0, bytes, 4, BLOCK);
        if (!MessageDigest.isEqual(received, md5(bytes, secret))) {
            return false;
        }
        int index = -1;
        for (int i = 0; i < packet.attributes().size(); i++) {
            if (packet.attributes().get(i).type() == AttributeType.MESSAGE_AUTHENTICATOR) {
                if (index >= 0) {
                    return false;
                }
                index = i;
            }
        }
        if (index < 0) {
            return !requireMessageAuthenticator;
        }
        RadiusAttribute ma = packet.attributes().get(index);
        return ma.valueLength() == BLOCK
                && MessageDigest.isEqual(ma.raw(), hmacMd5WithZeroedValue(bytes, packet.offsetOf(index), secret));
    }

    // ---------------------------------------------------------------- User-Password

    /**
     * Hides a password (RFC 2865 §5.2): padded with NULs to a multiple of 16 (at least 16), then
     * XORed block by block with MD5(secret | previous block), the first with the Request
     * Authenticator.
     *
     * @throws IllegalArgumentException when longer than 128 bytes
     */
    public static byte[] hidePassword(byte[] password, byte[] secret, byte[] requestAuthenticator) {
        if (password.length > MAX_PASSWORD_LENGTH) {
            throw new IllegalArgumentException("a password is at most " + MAX_PASSWORD_LENGTH + " bytes");
        }
        int length = Math.max(BLOCK, (password.length + BLOCK - 1) / BLOCK * BLOCK);
        byte[] out = Arrays.copyOf(password, length);
        byte[] previous = requestAuthenticator;
        for (int block = 0; block < length; block += BLOCK) {
            byte[] key = md5(secret, previous);
            for (int i = 0; i < BLOCK; i++) {
                out[block + i] ^= key[i];
            }
            previous = Arrays.copyOfRange(out, block, block + BLOCK);
        }
        return out;
    }

    /**
     * Reveals a hidden password (RFC 2865 §5.2) and strips its trailing NULs. With the wrong secret
     * the result is garbage, not an error: RADIUS gives no way to tell.
     *
     * @throws MalformedPacketException when the hidden value is not 16 to 128 bytes in blocks of 16
     */
    public static byte[] revealPassword(byte[] hidden, byte[] secret, byte[] requestAuthenticator) throws MalformedPacketException {
        if (hidden.length < BLOCK || hidden.length > MAX_PASSWORD_LENGTH || hidden.length % BLOCK != 0) {
            throw new MalformedPacketException("User-Password of " + hidden.length + " bytes is not 16 to 128 in blocks of 16");
        }
        byte[] out = new byte[hidden.length];
        byte[] previous = requestAuthenticator;
        for (int block = 0; block < hidden.length; block += BLOCK) {
            byte[] key = md5(secret, previous);
            for (int i = 0; i < BLOCK; i++) {
                out[block + i] = (byte) (hidden[block + i] ^ key[i]);
            }
            previous = Arrays.copyOfRange(hidden, block, block + BLOCK);
        }
        int end = out.length;
        while (end > 0 && out[end - 1] == 0) {
            end--;
        }
        byte[] password = Arrays.copyOf(out, end);
        Arrays.fill(out, (byte) 0);
        return password;
    }

    // ---------------------------------------------------------------- primitives

    private static byte[] withMessageAuthenticatorFirst(int code, int identifier, byte[] authenticator,
                                                        List<RadiusAttribute> attributes, byte[] secret) {
        rejectMessageAuthenticator(attributes);
        List<RadiusAttribute> all = new ArrayList<>(attributes.size() + 1);
        all.add(RadiusAttribute.wrap(AttributeType.MESSAGE_AUTHENTICATOR, new byte[BLOCK]));
        all.addAll(attributes);
        byte[] bytes = RadiusPacket.of(code, identifier, authenticator, all).bytes();
        byte[] ma = hmacMd5(secret, bytes); // the value is still zero: exactly the RFC 3579 input
        System.arraycopy(ma, 0, bytes, RadiusPacket.HEADER_LENGTH + 2, BLOCK);
        return bytes;
    }

    private static void rejectMessageAuthenticator(List<RadiusAttribute> attributes) {
        for (RadiusAttribute a : attributes) {
            if (a.type() == AttributeType.MESSAGE_AUTHENTICATOR) {
                throw new IllegalArgumentException("the Message-Authenticator is added by the encoder");
            }
        }
    }

    static byte[] md5(byte[] first, byte[] second) {
        MessageDigest md5 = MD5.get();
        md5.update(first);
        return md5.digest(second);
    }

    static byte[] hmacMd5(byte[] secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, "HmacMD5"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacMD5 is not available", e);
        }
    }

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    });
}
