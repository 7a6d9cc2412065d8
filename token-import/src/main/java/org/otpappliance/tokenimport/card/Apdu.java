package org.otpappliance.tokenimport.card;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** Short ISO 7816-4 command APDUs, and the card's answer: data and status word. */
public final class Apdu {
    /** Status words the applications here use. */
    public static final int SW_OK = 0x9000;
    public static final int SW_FILE_NOT_FOUND = 0x6A82;
    public static final int SW_SECURITY_STATUS = 0x6982;
    public static final int SW_NO_SUCH_OBJECT = 0x6984;
    public static final int SW_WRONG_DATA = 0x6A80;
    public static final int SW_NO_SPACE = 0x6A84;
    public static final int SW_INS_NOT_SUPPORTED = 0x6D00;

    private Apdu() {
    }

    /** A response APDU: the data and the status word (SW1 SW2). */
    public record Response(byte[] data, int sw) {
        public boolean ok() {
            return sw == SW_OK;
        }

        /** SW1 0x61: more data waits, SW2 bytes of it (0 for 256 or more). */
        public boolean moreData() {
            return (sw & 0xFF00) == 0x6100;
        }

        /** Splits the raw bytes of a response APDU. */
        public static Response of(byte[] raw) {
            if (raw.length < 2) {
                throw new IllegalArgumentException("a response APDU has at least 2 bytes");
            }
            int sw = (raw[raw.length - 2] & 0xFF) << 8 | (raw[raw.length - 1] & 0xFF);
            return new Response(Arrays.copyOf(raw, raw.length - 2), sw);
        }

        /** Wipes the data (it may hold key material). */
        public void wipe() {
            Arrays.fill(data, (byte) 0);
        }
    }

    /** A short command APDU: CLA INS P1 P2 [Lc data] (no Le: the applications here answer whatever they have). */
    public static byte[] command(int cla, int ins, int p1, int p2, byte[] data) {
        if (data != null && data.length > 255) {
            throw new IllegalArgumentException("command data longer than 255 bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(5 + (data == null ? 0 : data.length));
        out.write(cla);
        out.write(ins);
        out.write(p1);
        out.write(p2);
        if (data != null && data.length > 0) {
            out.write(data.length);
            out.write(data, 0, data.length);
        }
        return out.toByteArray();
    }

    /** SELECT by application identifier (00 A4 04 00 Lc AID). */
    public static byte[] select(byte[] aid) {
        return command(0x00, 0xA4, 0x04, 0x00, aid);
    }

    /** "6A82" style, for messages. */
    public static String sw(int sw) {
        return String.format("%04X", sw);
    }
}
