package org.otpappliance.radius.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A RADIUS packet (RFC 2865 §3): code, identifier, 16-byte authenticator and attributes, as decoded
 * from a datagram or encoded to one. Immutable; {@link #bytes()} is exactly the packet as on the wire
 * (for a decoded one: up to its Length field, without padding).
 */
public final class RadiusPacket {
    public static final int HEADER_LENGTH = 20;
    public static final int AUTHENTICATOR_LENGTH = 16;
    /** RFC 2865 §3: the largest packet. */
    public static final int MAX_LENGTH = 4096;

    private final byte[] bytes;
    private final List<RadiusAttribute> attributes;
    /** Where each attribute (its type byte) starts in {@link #bytes}. */
    private final int[] offsets;

    private RadiusPacket(byte[] bytes, List<RadiusAttribute> attributes, int[] offsets) {
        this.bytes = bytes;
        this.attributes = attributes;
        this.offsets = offsets;
    }

    /**
     * Decodes a datagram. Strict: fewer than 20 bytes, more than 4096, a Length field below 20, above
     * 4096 or beyond the datagram, an attribute with a length below 2 or running past the Length
     * field — all are malformed. Bytes after the Length field are padding and ignored (RFC 2865 §3).
     *
     * @throws MalformedPacketException with what is wrong (never a value)
     */
    public static RadiusPacket decode(byte[] datagram, int offset, int length) throws MalformedPacketException {
        if (offset < 0 || length < 0 || offset > datagram.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " in " + datagram.length);
        }
        if (length < HEADER_LENGTH) {
            throw new MalformedPacketException("datagram of " + length + " bytes is shorter than the RADIUS header");
        }
        if (length > MAX_LENGTH) {
            throw new MalformedPacketException("datagram of " + length + " bytes is longer than " + MAX_LENGTH);
        }
        int declared = ((datagram[offset + 2] & 0xff) << 8) | (datagram[offset + 3] & 0xff);
        if (declared < HEADER_LENGTH || declared > MAX_LENGTH) {
            throw new MalformedPacketException("Length field " + declared + " is outside 20.." + MAX_LENGTH);
        }
        if (declared > length) {
            throw new MalformedPacketException("Length field " + declared + " exceeds the datagram's " + length + " bytes");
        }
        byte[] bytes = Arrays.copyOfRange(datagram, offset, offset + declared);
        List<RadiusAttribute> attributes = new ArrayList<>();
        int[] offsets = new int[(declared - HEADER_LENGTH) / 2];
        int pos = HEADER_LENGTH;
        while (pos < declared) {
            if (declared - pos < 2) {
                throw new MalformedPacketException("truncated attribute header at byte " + pos);
            }
            int type = bytes[pos] & 0xff;
            int attributeLength = bytes[pos + 1] & 0xff;
            if (attributeLength < 2) {
                throw new MalformedPacketException("attribute " + type + " at byte " + pos + " has length " + attributeLength);
            }
            if (attributeLength > declared - pos) {
                throw new MalformedPacketException("attribute " + type + " at byte " + pos + " runs past the packet's end");
            }
            if (type == 0) {
                throw new MalformedPacketException("attribute type 0 at byte " + pos);
            }
            offsets[attributes.size()] = pos;
            attributes.add(RadiusAttribute.wrap(type, Arrays.copyOfRange(bytes, pos + 2, pos + attributeLength)));
            pos += attributeLength;
        }
        return new RadiusPacket(bytes, Collections.unmodifiableList(attributes), Arrays.copyOf(offsets, attributes.size()));
    }

    /** {@link #decode(byte[], int, int)} of a whole array. */
    public static RadiusPacket decode(byte[] datagram) throws MalformedPacketException {
        return decode(datagram, 0, datagram.length);
    }

    /**
     * Builds a packet from its parts, in the given attribute order, with {@code authenticator} as is.
     *
     * @throws IllegalArgumentException when it would be longer than 4096 bytes, or the code,
     *                                  identifier or authenticator is out of range
     */
    public static RadiusPacket of(int code, int identifier, byte[] authenticator, List<RadiusAttribute> attributes) {
        if (code < 0 || code > 255 || identifier < 0 || identifier > 255) {
            throw new IllegalArgumentException("code and identifier are 0 to 255");
        }
        if (authenticator.length != AUTHENTICATOR_LENGTH) {
            throw new IllegalArgumentException("the authenticator is 16 bytes");
        }
        int length = HEADER_LENGTH;
        for (RadiusAttribute a : attributes) {
            length += a.encodedLength();
        }
        if (length > MAX_LENGTH) {
            throw new IllegalArgumentException("a packet of " + length + " bytes is longer than " + MAX_LENGTH);
        }
        byte[] bytes = new byte[length];
        bytes[0] = (byte) code;
        bytes[1] = (byte) identifier;
        bytes[2] = (byte) (length >>> 8);
        bytes[3] = (byte) length;
        System.arraycopy(authenticator, 0, bytes, 4, AUTHENTICATOR_LENGTH);
        int[] offsets = new int[attributes.size()];
        int pos = HEADER_LENGTH;
        int i = 0;
        for (RadiusAttribute a : attributes) {
            offsets[i++] = pos;
            bytes[pos] = (byte) a.type();
            bytes[pos + 1] = (byte) a.encodedLength();
            System.arraycopy(a.raw(), 0, bytes, pos + 2, a.valueLength());
            pos += a.encodedLength();
        }
        return new RadiusPacket(bytes, List.copyOf(attributes), offsets);
    }

    public int code() {
        return bytes[0] & 0xff;
    }

    public int identifier() {
        return bytes[1] & 0xff;
    }

    /** The packet's length: its Length field. */
    public int length() {
        return bytes.length;
    }

    /** A copy of the 16-byte authenticator. */
    public byte[] authenticator() {
        return Arrays.copyOfRange(bytes, 4, 4 + AUTHENTICATOR_LENGTH);
    }

    /** All attributes, in packet order; unmodifiable. */
    public List<RadiusAttribute> attributes() {
        return attributes;
    }

    /** The attributes of one type, in packet order. */
    public List<RadiusAttribute> attributes(int type) {
        List<RadiusAttribute> found = new ArrayList<>(2);
        for (RadiusAttribute a : attributes) {
            if (a.type() == type) {
                found.add(a);
            }
        }
        return found;
    }

    /** The first attribute of a type. */
    public Optional<RadiusAttribute> attribute(int type) {
        for (RadiusAttribute a : attributes) {
            if (a.type() == type) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** How many attributes of a type there are. */
    public int count(int type) {
        int n = 0;
        for (RadiusAttribute a : attributes) {
            if (a.type() == type) {
                n++;
            }
        }
        return n;
    }

    /** A copy of the packet as on the wire. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Package-private access without a copy. */
    byte[] raw() {
        return bytes;
    }

    /** Where attribute {@code index} starts in {@link #bytes()}. */
    int offsetOf(int index) {
        return offsets[index];
    }

    /** Code, identifier, length and attribute types: no values. */
    @Override
    public String toString() {
        StringBuilder types = new StringBuilder();
        for (RadiusAttribute a : attributes) {
            types.append(types.length() == 0 ? "" : ",").append(a.type());
        }
        return "RadiusPacket[" + PacketCode.name(code()) + ", id=" + identifier() + ", length=" + length()
                + ", attributes=" + types + "]";
    }
}
