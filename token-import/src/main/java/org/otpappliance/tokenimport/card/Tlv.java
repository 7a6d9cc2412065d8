package org.otpappliance.tokenimport.card;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The simple one-byte-tag TLVs of YKOATH: tag, length (1 byte, or 0x81/0x82 prefixed), value. */
public final class Tlv {
    /** One element. */
    public record Element(int tag, byte[] value) {
    }

    private Tlv() {
    }

    public static void write(ByteArrayOutputStream out, int tag, byte[] value) {
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n <= 0xFF) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xFF);
        }
        out.write(value, 0, n);
    }

    /** The elements of {@code data} in order; malformed input is an IllegalArgumentException. */
    public static List<Element> parse(byte[] data) {
        List<Element> out = new ArrayList<>();
        int i = 0;
        while (i < data.length) {
            if (i + 2 > data.length) {
                throw new IllegalArgumentException("truncated TLV");
            }
            int tag = data[i++] & 0xFF;
            int n = data[i++] & 0xFF;
            if (n == 0x81) {
                n = data[i++] & 0xFF;
            } else if (n == 0x82) {
                n = (data[i] & 0xFF) << 8 | (data[i + 1] & 0xFF);
                i += 2;
            } else if (n > 0x82) {
                throw new IllegalArgumentException("unsupported TLV length form");
            }
            if (i + n > data.length) {
                throw new IllegalArgumentException("truncated TLV");
            }
            out.add(new Element(tag, Arrays.copyOfRange(data, i, i + n)));
            i += n;
        }
        return out;
    }

    /** The value of the first element with {@code tag}, or null. */
    public static byte[] find(List<Element> elements, int tag) {
        for (Element e : elements) {
            if (e.tag() == tag) {
                return e.value();
            }
        }
        return null;
    }
}
