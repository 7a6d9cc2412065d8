package org.otpappliance.tokenimport.card;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Yubico's OATH application (YKOATH, AID A0 00 00 05 27 21 01) over a {@link CardConnection}: SELECT, PUT,
 * DELETE, LIST, per Yubico's "YKOATH Protocol Specification". Access-code protected applications are refused
 * (this tool does not handle the code).
 */
public final class Ykoath {
    public static final byte[] AID = {(byte) 0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01};

    static final int INS_PUT = 0x01;
    static final int INS_DELETE = 0x02;
    static final int INS_LIST = 0xA1;
    static final int INS_CALCULATE = 0xA2;
    static final int INS_SEND_REMAINING = 0xA5;

    static final int TAG_NAME = 0x71;
    static final int TAG_NAME_LIST = 0x72;
    static final int TAG_KEY = 0x73;
    static final int TAG_CHALLENGE = 0x74;
    static final int TAG_TRUNCATED = 0x76;
    static final int TAG_VERSION = 0x79;
    static final int TAG_IMF = 0x7A;
    static final int TAG_ALGORITHM = 0x7B;

    /** The longest credential name, in UTF-8 bytes. */
    public static final int MAX_NAME_LENGTH = 64;
    /** Shorter keys are zero-padded to this length, as Yubico's tools do (HMAC pads them with zeros anyway). */
    static final int MIN_KEY_LENGTH = 14;

    public static final String PROTECTED = "the OATH application is password protected; remove it or use ykman";

    /** The credential type: the high nibble of the type/algorithm byte. */
    public enum Type {
        HOTP(0x10), TOTP(0x20);

        final int code;

        Type(int code) {
            this.code = code;
        }

        static Type of(int typeAlgorithm) {
            for (Type t : values()) {
                if (t.code == (typeAlgorithm & 0xF0)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** The HMAC hash: the low nibble; block size, for keys longer than it (hashed first, as HMAC does). */
    public enum Algorithm {
        SHA1(0x01, "SHA-1", 64), SHA256(0x02, "SHA-256", 64), SHA512(0x03, "SHA-512", 128);

        final int code;
        final String digest;
        final int blockSize;

        Algorithm(int code, String digest, int blockSize) {
            this.code = code;
            this.digest = digest;
            this.blockSize = blockSize;
        }

        static Algorithm of(int typeAlgorithm) {
            for (Algorithm a : values()) {
                if (a.code == (typeAlgorithm & 0x0F)) {
                    return a;
                }
            }
            return null;
        }
    }

    /**
     * What SELECT tells.
     *
     * @param version  the application's version, "5.4.3"
     * @param deviceId the device's OATH id (name/salt), hex; changes with an OATH reset
     * @param locked   whether an access code is set
     */
    public record Info(String version, String deviceId, boolean locked) {
    }

    /** A credential as LIST shows it (type or algorithm null when the card reports one this code does not know). */
    public record Credential(String name, Type type, Algorithm algorithm) {
    }

    private final CardConnection card;

    public Ykoath(CardConnection card) {
        this.card = card;
    }

    /** SELECT; null when the card has no OATH application. */
    public Info select() throws CardException {
        Apdu.Response r = card.select(AID);
        if (!r.ok()) {
            return null;
        }
        List<Tlv.Element> tlv;
        try {
            tlv = Tlv.parse(r.data());
        } catch (IllegalArgumentException e) {
            throw new CardException("the OATH application answered SELECT with malformed data");
        }
        byte[] v = Tlv.find(tlv, TAG_VERSION);
        String version = v == null ? "?" : version(v);
        byte[] id = Tlv.find(tlv, TAG_NAME);
        return new Info(version, id == null ? null : HexFormat.of().formatHex(id), Tlv.find(tlv, TAG_CHALLENGE) != null);
    }

    /** SELECT, refusing a card without an unlocked OATH application. */
    public Info selectUnlocked() throws CardException {
        Info info = select();
        if (info == null) {
            throw new CardException("the card has no OATH application (YKOATH, AID A0 00 00 05 27 21 01)");
        }
        if (info.locked()) {
            throw new CardException(PROTECTED);
        }
        return info;
    }

    /**
     * PUT: stores (or overwrites) a credential.
     *
     * @param counter the initial moving factor of an HOTP credential (ignored for TOTP)
     */
    public void put(String name, Type type, Algorithm algorithm, int digits, byte[] secret, long counter)
            throws CardException {
        byte[] key = cardKey(secret, algorithm);
        byte[] keyValue = new byte[2 + key.length];
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        try {
            keyValue[0] = (byte) (type.code | algorithm.code);
            keyValue[1] = (byte) digits;
            System.arraycopy(key, 0, keyValue, 2, key.length);
            Tlv.write(data, TAG_NAME, name(name));
            Tlv.write(data, TAG_KEY, keyValue);
            if (type == Type.HOTP && counter != 0) {
                Tlv.write(data, TAG_IMF, new byte[] {
                    (byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
            }
            byte[] command = Apdu.command(0x00, INS_PUT, 0x00, 0x00, data.toByteArray());
            try {
                check(card.transmit(command), "store the credential");
            } finally {
                Arrays.fill(command, (byte) 0);
            }
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(keyValue, (byte) 0);
            // the stream's buffer is not reachable to wipe; it held the same bytes as command, now garbage
        }
    }

    /** DELETE; false when there was no such credential. */
    public boolean delete(String name) throws CardException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Tlv.write(data, TAG_NAME, name(name));
        Apdu.Response r = card.transmit(Apdu.command(0x00, INS_DELETE, 0x00, 0x00, data.toByteArray()));
        if (r.sw() == Apdu.SW_NO_SUCH_OBJECT) {
            return false;
        }
        check(r, "delete the credential");
        return true;
    }

    /** LIST: the credentials on the card. */
    public List<Credential> list() throws CardException {
        byte[] data = remaining(card.transmit(Apdu.command(0x00, INS_LIST, 0x00, 0x00, null)), "list the credentials");
        List<Credential> out = new ArrayList<>();
        try {
            for (Tlv.Element e : Tlv.parse(data)) {
                if (e.tag() == TAG_NAME_LIST && e.value().length >= 1) {
                    int ta = e.value()[0] & 0xFF;
                    String name = new String(e.value(), 1, e.value().length - 1, StandardCharsets.UTF_8);
                    out.add(new Credential(name, Type.of(ta), Algorithm.of(ta)));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CardException("the OATH application answered LIST with malformed data");
        }
        return out;
    }

    /** The credential named {@code name}, or null. */
    public Credential find(String name) throws CardException {
        for (Credential c : list()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * The name YKOATH clients (ykman, Yubico Authenticator) use for a TOTP credential: "PERIOD/label" when the
     * period is not 30 s.
     */
    public static String credentialName(String label, Type type, int period) {
        return type == Type.TOTP && period != 30 ? period + "/" + label : label;
    }

    static byte[] name(String name) throws CardException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || n.length > MAX_NAME_LENGTH) {
            throw new CardException("a credential name must be 1 to " + MAX_NAME_LENGTH + " bytes in UTF-8: " + name);
        }
        return n;
    }

    /** The key as the card holds it: hashed when longer than the block size, zero-padded to 14 bytes. */
    static byte[] cardKey(byte[] secret, Algorithm algorithm) {
        byte[] key;
        if (secret.length > algorithm.blockSize) {
            try {
                key = MessageDigest.getInstance(algorithm.digest).digest(secret);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        } else {
            key = secret.clone();
        }
        if (key.length < MIN_KEY_LENGTH) {
            byte[] padded = Arrays.copyOf(key, MIN_KEY_LENGTH);
            Arrays.fill(key, (byte) 0);
            key = padded;
        }
        return key;
    }

    /** The data of an answer and of what SEND REMAINING brings after a 61xx. */
    private byte[] remaining(Apdu.Response r, String what) throws CardException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int guard = 0; guard < 256; guard++) {
            out.write(r.data(), 0, r.data().length);
            if (!r.moreData()) {
                check(r, what);
                return out.toByteArray();
            }
            r = card.transmit(Apdu.command(0x00, INS_SEND_REMAINING, 0x00, 0x00, null));
        }
        throw new CardException("the OATH application sent an endless answer to " + what);
    }

    private static void check(Apdu.Response r, String what) throws CardException {
        if (r.ok()) {
            return;
        }
        String reason = switch (r.sw()) {
            case Apdu.SW_SECURITY_STATUS -> PROTECTED;
            case Apdu.SW_NO_SPACE -> "no space left on the card for another credential";
            case Apdu.SW_WRONG_DATA -> "the card refused the data (wrong syntax)";
            case Apdu.SW_NO_SUCH_OBJECT -> "no such credential";
            case Apdu.SW_INS_NOT_SUPPORTED -> "the command is not supported";
            default -> "status " + Apdu.sw(r.sw());
        };
        throw new CardException("the OATH application could not " + what + ": " + reason);
    }

    static String version(byte[] v) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ".").append(v[i] & 0xFF);
        }
        return s.toString();
    }

    /** "SHA1", for messages and the appliance. */
    static String wire(Algorithm a) {
        return a.name().toUpperCase(Locale.ROOT);
    }
}
