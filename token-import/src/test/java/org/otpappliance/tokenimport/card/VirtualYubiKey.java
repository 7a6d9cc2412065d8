package org.otpappliance.tokenimport.card;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A VIRTUAL YubiKey, named as such: a test fixture that plugs into Debian's vsmartcard vpcd reader driver over TCP
 * (vpcd protocol: 2-byte big-endian length + payload; payloads of length 1 are control: 0 power off, 1 power on,
 * 2 reset, 4 get ATR; anything else is a command APDU answered with a response APDU) and implements the subset of
 * YubiKey applications the tool uses: YKOATH (SELECT, PUT, DELETE, LIST, CALCULATE) and the OTP application's
 * SELECT, device-serial request and slot configuration (write and erase, CRC checked). Credentials are kept in memory so tests can read them back.
 */
final class VirtualYubiKey implements AutoCloseable {
    /** A YubiKey 5 NFC's ATR over CCID. */
    static final byte[] ATR = HexFormat.of().parseHex("3BFD1300008131FE158073C021C057597562694B657940");
    static final byte[] FIRMWARE = {5, 4, 3};
    static final byte[] DEVICE_ID = HexFormat.of().parseHex("a1b2c3d4e5f60718");

    /** A stored credential, as the card holds it. */
    record Credential(String name, int typeAlgorithm, int digits, byte[] key, long counter) {
        boolean totp() {
            return (typeAlgorithm & 0xF0) == 0x20;
        }

        String jca() {
            return switch (typeAlgorithm & 0x0F) {
                case 1 -> "HmacSHA1";
                case 2 -> "HmacSHA256";
                case 3 -> "HmacSHA512";
                default -> throw new IllegalStateException("algorithm " + (typeAlgorithm & 0x0F));
            };
        }
    }

    private enum App { NONE, OATH, OTP }

    /** An OTP slot's configuration as written (ykpers' 52-byte config_st), with its parts. */
    record SlotConfig(byte[] raw) {
        byte[] fixed() {
            return Arrays.copyOf(raw, raw[44]);
        }

        byte[] uid() {
            return Arrays.copyOfRange(raw, 16, 22);
        }

        byte[] key() {
            return Arrays.copyOfRange(raw, 22, 38);
        }

        byte[] accCode() {
            return Arrays.copyOfRange(raw, 38, 44);
        }

        int extFlags() {
            return raw[45] & 0xFF;
        }

        int tktFlags() {
            return raw[46] & 0xFF;
        }

        int cfgFlags() {
            return raw[47] & 0xFF;
        }
    }

    private final SlotConfig[] slots = new SlotConfig[2];
    private int programmingSequence = 1;
    private volatile int failSlotWriteWith;

    final long serial;
    private final Map<String, Credential> credentials = new LinkedHashMap<>();
    private volatile boolean passwordProtected;
    private volatile int failPutWith;
    private App selected = App.NONE;
    private Socket socket;
    private Thread thread;

    VirtualYubiKey(long serial) {
        this.serial = serial;
    }

    /** Sets an access code flag: SELECT then carries a challenge and OATH commands answer 6982. */
    VirtualYubiKey passwordProtected(boolean on) {
        passwordProtected = on;
        return this;
    }

    /** Makes PUT answer this status word (0 for normal behaviour). */
    void failPutWith(int sw) {
        failPutWith = sw;
    }

    /** Makes slot writes (not erases) answer this status word (0 for normal behaviour). */
    void failSlotWriteWith(int sw) {
        failSlotWriteWith = sw;
    }

    /** OTP slot 1 or 2's configuration, null when empty. */
    synchronized SlotConfig slot(int slot) {
        return slots[slot - 1];
    }

    /** Configures a slot directly, as if another tool had. */
    synchronized void configureSlot(int slot, SlotConfig config) {
        slots[slot - 1] = config;
    }

    synchronized List<Credential> credentials() {
        return List.copyOf(credentials.values());
    }

    synchronized Credential credential(String name) {
        return credentials.get(name);
    }

    /** Puts a credential directly, as if another tool had. */
    synchronized void store(Credential c) {
        credentials.put(c.name(), c);
    }

    /** Plugs the card into the vpcd reader listening on 127.0.0.1:port (retries while vpcd starts). */
    VirtualYubiKey insertInto(int port) throws IOException, InterruptedException {
        IOException last = null;
        for (int i = 0; i < 100; i++) {
            try {
                socket = new Socket(InetAddress.getLoopbackAddress(), port);
                socket.setTcpNoDelay(true);
                break;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        if (socket == null) {
            throw last;
        }
        thread = new Thread(this::serve, "virtual-yubikey-" + serial);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void serve() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream());
             DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            while (true) {
                int length = in.readUnsignedShort();
                byte[] message = new byte[length];
                in.readFully(message);
                byte[] answer = null;
                if (length == 1) {
                    switch (message[0]) {
                        case 0x00, 0x01, 0x02 -> resetState();
                        case 0x04 -> answer = ATR;
                        default -> { }
                    }
                } else {
                    answer = process(message);
                }
                if (answer != null) {
                    out.writeShort(answer.length);
                    out.write(answer);
                    out.flush();
                }
            }
        } catch (EOFException | java.net.SocketException e) {
            // removed
        } catch (IOException e) {
            e.printStackTrace();
        }
    }

    private synchronized void resetState() {
        selected = App.NONE;
    }

    /** One command APDU in, one response APDU out: usable without vpcd too. */
    synchronized byte[] process(byte[] apdu) {
        if (apdu.length < 4) {
            return sw(0x6700);
        }
        int cla = apdu[0] & 0xFF;
        int ins = apdu[1] & 0xFF;
        int p1 = apdu[2] & 0xFF;
        byte[] data = apdu.length > 5 ? Arrays.copyOfRange(apdu, 5, 5 + (apdu[4] & 0xFF)) : new byte[0];
        if (cla != 0) {
            return sw(0x6E00);
        }
        if (ins == 0xA4 && p1 == 0x04) {
            return select(data);
        }
        return switch (selected) {
            case OATH -> oath(ins, apdu, data);
            case OTP -> otp(ins, p1, data);
            case NONE -> sw(0x6D00);
        };
    }

    private byte[] select(byte[] aid) {
        if (Arrays.equals(aid, Ykoath.AID)) {
            selected = App.OATH;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Tlv.write(out, 0x79, FIRMWARE);
            Tlv.write(out, 0x71, DEVICE_ID);
            if (passwordProtected) {
                Tlv.write(out, 0x74, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                Tlv.write(out, 0x7B, new byte[] {0x01});
            }
            return ok(out.toByteArray());
        }
        if (Arrays.equals(aid, YubiKeyProbe.OTP_AID)) {
            selected = App.OTP;
            return ok(otpStatus());
        }
        selected = App.NONE;
        return sw(0x6A82);
    }

    /** The OTP status: firmware, programming sequence, touch level (CONFIG1_VALID 0x01, CONFIG2_VALID 0x02). */
    private byte[] otpStatus() {
        int touch = (slots[0] != null ? 0x01 : 0) | (slots[1] != null ? 0x02 : 0);
        return new byte[] {FIRMWARE[0], FIRMWARE[1], FIRMWARE[2], (byte) programmingSequence, (byte) touch, 0x00};
    }

    private byte[] otp(int ins, int p1, byte[] data) {
        if (ins == 0x01 && p1 == 0x10) {
            return ok(ByteBuffer.allocate(4).putInt((int) serial).array());
        }
        if (ins == 0x01 && (p1 == 0x01 || p1 == 0x03)) { // SLOT_CONFIG, SLOT_CONFIG2: config[52] + access code[6]
            if (data.length != 58) {
                return sw(0x6700);
            }
            int index = p1 == 0x01 ? 0 : 1;
            byte[] config = Arrays.copyOf(data, 52);
            byte[] currentAccessCode = Arrays.copyOfRange(data, 52, 58);
            if (slots[index] != null && !Arrays.equals(slots[index].accCode(), currentAccessCode)) {
                return ok(otpStatus()); // a real key ignores the write: the programming sequence stays
            }
            boolean erase = Arrays.equals(config, new byte[52]);
            if (!erase) {
                if (org.otpappliance.otp.yubico.YubicoOtpBlock.crc16(config, 0, 52)
                        != org.otpappliance.otp.yubico.YubicoOtpBlock.CRC_RESIDUE) {
                    return ok(otpStatus()); // a bad CRC: not taken, the programming sequence stays
                }
                if (failSlotWriteWith != 0) {
                    return sw(failSlotWriteWith);
                }
            }
            slots[index] = erase ? null : new SlotConfig(config);
            programmingSequence = slots[0] == null && slots[1] == null ? 0 : programmingSequence + 1;
            return ok(otpStatus());
        }
        return sw(0x6D00);
    }

    private byte[] oath(int ins, byte[] apdu, byte[] data) {
        if (passwordProtected) {
            return sw(0x6982);
        }
        List<Tlv.Element> tlv;
        try {
            tlv = Tlv.parse(data);
        } catch (IllegalArgumentException e) {
            return sw(0x6A80);
        }
        byte[] nameBytes = Tlv.find(tlv, 0x71);
        String name = nameBytes == null ? null : new String(nameBytes, StandardCharsets.UTF_8);
        switch (ins) {
            case 0x01 -> { // PUT
                byte[] key = Tlv.find(tlv, 0x73);
                if (name == null || key == null || key.length < 2) {
                    return sw(0x6A80);
                }
                if (failPutWith != 0) {
                    return sw(failPutWith);
                }
                byte[] imf = Tlv.find(tlv, 0x7A);
                long counter = imf == null ? 0 : ByteBuffer.wrap(imf).getInt() & 0xFFFFFFFFL;
                credentials.put(name, new Credential(name, key[0] & 0xFF, key[1], Arrays.copyOfRange(key, 2, key.length), counter));
                return sw(0x9000);
            }
            case 0x02 -> { // DELETE
                if (name == null) {
                    return sw(0x6A80);
                }
                return credentials.remove(name) == null ? sw(0x6984) : sw(0x9000);
            }
            case 0xA1 -> { // LIST
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (Credential c : credentials.values()) {
                    byte[] n = c.name().getBytes(StandardCharsets.UTF_8);
                    byte[] v = new byte[1 + n.length];
                    v[0] = (byte) c.typeAlgorithm();
                    System.arraycopy(n, 0, v, 1, n.length);
                    Tlv.write(out, 0x72, v);
                }
                return ok(out.toByteArray());
            }
            case 0xA2 -> { // CALCULATE, truncated (P2 1)
                Credential c = name == null ? null : credentials.get(name);
                if (c == null) {
                    return sw(0x6984);
                }
                byte[] challenge;
                if (c.totp()) {
                    challenge = Tlv.find(tlv, 0x74);
                    if (challenge == null) {
                        return sw(0x6A80);
                    }
                } else {
                    challenge = ByteBuffer.allocate(8).putLong(c.counter()).array();
                    credentials.put(name, new Credential(c.name(), c.typeAlgorithm(), c.digits(), c.key(), c.counter() + 1));
                }
                int truncated = truncate(hmac(c, challenge));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Tlv.write(out, 0x76, ByteBuffer.allocate(5).put((byte) c.digits()).putInt(truncated).array());
                return ok(out.toByteArray());
            }
            default -> {
                return sw(0x6D00);
            }
        }
    }

    /** The code the card would show for {@code credential} at moving factor {@code factor} (time step or counter). */
    static String code(Credential c, long factor) {
        int value = truncate(hmac(c, ByteBuffer.allocate(8).putLong(factor).array()));
        int mod = (int) Math.pow(10, c.digits());
        return String.format("%0" + c.digits() + "d", value % mod);
    }

    private static byte[] hmac(Credential c, byte[] message) {
        try {
            Mac mac = Mac.getInstance(c.jca());
            mac.init(new SecretKeySpec(c.key(), c.jca()));
            return mac.doFinal(message);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int truncate(byte[] h) {
        int o = h[h.length - 1] & 0x0F;
        return ((h[o] & 0x7F) << 24) | ((h[o + 1] & 0xFF) << 16) | ((h[o + 2] & 0xFF) << 8) | (h[o + 3] & 0xFF);
    }

    private static byte[] ok(byte[] data) {
        byte[] r = Arrays.copyOf(data, data.length + 2);
        r[data.length] = (byte) 0x90;
        return r;
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    /** Pulls the card out of the reader. */
    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
