package org.otpappliance.radius.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One type-length-value attribute. The value is 0 to 253 bytes; it is copied in and out, so an
 * instance never changes.
 */
public final class RadiusAttribute {
    /** The largest value an attribute can carry: 255 minus the type and length bytes. */
    public static final int MAX_VALUE_LENGTH = 253;

    private final int type;
    private final byte[] value;

    private RadiusAttribute(int type, byte[] value) {
        if (type < 1 || type > 255) {
            throw new IllegalArgumentException("an attribute type is 1 to 255");
        }
        if (value.length > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("an attribute value is at most " + MAX_VALUE_LENGTH + " bytes");
        }
        this.type = type;
        this.value = value;
    }

    /** An attribute with a copy of {@code value}. */
    public static RadiusAttribute of(int type, byte[] value) {
        return new RadiusAttribute(type, value.clone());
    }

    /** A text attribute (UTF-8). */
    public static RadiusAttribute text(int type, String value) {
        return new RadiusAttribute(type, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Decoding: takes the bytes without a copy. */
    static RadiusAttribute wrap(int type, byte[] value) {
        return new RadiusAttribute(type, value);
    }

    public int type() {
        return type;
    }

    /** A copy of the value. */
    public byte[] value() {
        return value.clone();
    }

    /** The value's length in bytes. */
    public int valueLength() {
        return value.length;
    }

    /** Its length on the wire: the value plus the type and length bytes. */
    public int encodedLength() {
        return value.length + 2;
    }

    /** The value as UTF-8 text; malformed sequences become U+FFFD. */
    public String text() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** Package-private access to the value without a copy. */
    byte[] raw() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RadiusAttribute a && a.type == type && Arrays.equals(a.value, value);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(value);
    }

    /** Type and length only: values may be secrets. */
    @Override
    public String toString() {
        return "RadiusAttribute[type=" + type + ", length=" + value.length + "]";
    }
}
