package org.otpappliance.tokenimport.card;

import java.util.Arrays;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * The YubiKey OTP application (AID A0 00 00 05 27 20 01) over a {@link CardConnection}: the slot status and
 * writing or erasing a slot's configuration, as ykpers ({@code ykcore/ykdef.h}, {@code yk_write_config}) and
 * yubikit ({@code yubikit/yubiotp.py}) do over CCID: {@code 00 01 P1 00 Lc <config> <current access code>}.
 *
 * <p>The configuration is ykpers' {@code struct config_st}, 52 bytes: fixed[16], uid[6], key[16], accCode[6],
 * fixedSize, extFlags, tktFlags, cfgFlags, rfu[2], crc[2]; crc = ~CRC-16 (ISO/IEC 13239, as for the OTP block)
 * over the first 50 bytes, little endian. Erasing a slot writes 52 zero bytes, crc included, as ykpers
 * ({@code yk_write_config} with a NULL config) and yubikit ({@code delete_slot}) do. Layout, flag values
 * and slot numbers checked against ykpers' {@code ykcore/ykdef.h}; how a write is confirmed against
 * yubikit's smart card backend ({@code write_update}).
 */
final class YubiKeyOtp {
    /** ykdef.h: SLOT_CONFIG, SLOT_CONFIG2. */
    static final int SLOT_CONFIG_1 = 0x01;
    static final int SLOT_CONFIG_2 = 0x03;
    static final int INS_CONFIG = 0x01;
    /** yubikit: INS_YK2_STATUS, asked for when a write answers no status (some YubiKeys do not). */
    static final int INS_STATUS = 0x03;

    static final int FIXED_SIZE = 16;
    static final int UID_SIZE = 6;
    static final int KEY_SIZE = 16;
    static final int ACC_CODE_SIZE = 6;
    static final int CONFIG_SIZE = 52;

    /** ykdef.h: TKTFLAG_APPEND_CR, "append a carriage return" (Yubico OTP mode needs no other ticket flag). */
    static final int TKTFLAG_APPEND_CR = 0x20;
    /** ykdef.h: EXTFLAG_SERIAL_API_VISIBLE, the serial stays readable (ykpersonalize and ykman set it by default). */
    static final int EXTFLAG_SERIAL_API_VISIBLE = 0x04;
    /** ykdef.h: touchLevel bits of the status, CONFIG1_VALID and CONFIG2_VALID. */
    static final int CONFIG1_VALID = 0x01;
    static final int CONFIG2_VALID = 0x02;

    /** The OTP application's status: firmware, programming sequence, touch level (which slots hold a config). */
    record Status(int major, int minor, int build, int programmingSequence, int touchLevel) {
        boolean slotConfigured(int slot) {
            return (touchLevel & (slot == 1 ? CONFIG1_VALID : CONFIG2_VALID)) != 0;
        }

        static Status of(byte[] d) throws CardException {
            if (d.length < 6) {
                throw new CardException("the OTP application answered with a status of " + d.length + " bytes, not 6");
            }
            return new Status(d[0] & 0xFF, d[1] & 0xFF, d[2] & 0xFF, d[3] & 0xFF, (d[4] & 0xFF) | (d[5] & 0xFF) << 8);
        }
    }

    private final CardConnection card;

    YubiKeyOtp(CardConnection card) {
        this.card = card;
    }

    /** SELECT: the status; a CardException when the card has no OTP application. */
    Status select() throws CardException {
        Apdu.Response r = card.select(YubiKeyProbe.OTP_AID);
        if (!r.ok()) {
            throw new CardException("the card has no YubiKey OTP application (AID A0 00 00 05 27 20 01)");
        }
        return Status.of(r.data());
    }

    /** The 52-byte Yubico OTP mode configuration, CRC set. The caller wipes it. */
    static byte[] yubicoOtpConfig(byte[] publicId, byte[] privateId, byte[] aesKey) {
        if (publicId.length > FIXED_SIZE || privateId.length != UID_SIZE || aesKey.length != KEY_SIZE) {
            throw new IllegalArgumentException("public id up to 16, private id 6, key 16 bytes");
        }
        byte[] c = new byte[CONFIG_SIZE];
        System.arraycopy(publicId, 0, c, 0, publicId.length);
        System.arraycopy(privateId, 0, c, FIXED_SIZE, UID_SIZE);
        System.arraycopy(aesKey, 0, c, FIXED_SIZE + UID_SIZE, KEY_SIZE);
        // accCode[6] stays zero: no access code is set
        int at = FIXED_SIZE + UID_SIZE + KEY_SIZE + ACC_CODE_SIZE;
        c[at] = (byte) publicId.length;
        c[at + 1] = (byte) EXTFLAG_SERIAL_API_VISIBLE;
        c[at + 2] = (byte) TKTFLAG_APPEND_CR;
        c[at + 3] = 0; // cfgFlags: none for Yubico OTP mode
        int crc = ~YubicoOtpBlock.crc16(c, 0, CONFIG_SIZE - 2) & 0xFFFF;
        c[CONFIG_SIZE - 2] = (byte) crc;
        c[CONFIG_SIZE - 1] = (byte) (crc >>> 8);
        return c;
    }

    /** Writes {@code config} into slot 1 or 2 (no current access code); the new status. */
    Status write(int slot, byte[] config) throws CardException {
        Status before = select();
        Status after = send(slot, config, "write the slot");
        if (!taken(before, after)) {
            throw new CardException("the OTP application did not take the configuration of slot " + slot
                    + " (programming sequence " + before.programmingSequence() + " -> " + after.programmingSequence()
                    + "; is the slot protected by an access code?)");
        }
        return after;
    }

    /**
     * Whether a write took effect, by the rule yubikit applies: the programming sequence moves on by
     * one; or it drops to 0 from above 0 when no slot is configured any more, or on firmware 5.0.0 to
     * 5.4.2, whose programming sequence does not count writes.
     */
    static boolean taken(Status before, Status after) {
        if (after.programmingSequence() == before.programmingSequence() + 1) {
            return true;
        }
        int firmware = after.major() << 16 | after.minor() << 8 | after.build();
        return after.programmingSequence() == 0 && before.programmingSequence() > 0
                && ((after.touchLevel() & 0x1F) == 0 || firmware >= 0x050000 && firmware < 0x050403);
    }

    /** Erases slot 1 or 2: an all-zero configuration. */
    Status erase(int slot) throws CardException {
        Status before = select();
        Status after = send(slot, new byte[CONFIG_SIZE], "erase the slot");
        if (!taken(before, after) || after.slotConfigured(slot)) {
            throw new CardException("slot " + slot + " still holds a configuration after erasing it");
        }
        return after;
    }

    private Status send(int slot, byte[] config, String what) throws CardException {
        byte[] data = Arrays.copyOf(config, CONFIG_SIZE + ACC_CODE_SIZE);
        byte[] command = Apdu.command(0x00, INS_CONFIG, slot == 1 ? SLOT_CONFIG_1 : SLOT_CONFIG_2, 0x00, data);
        try {
            if (!card.select(YubiKeyProbe.OTP_AID).ok()) {
                throw new CardException("the card has no YubiKey OTP application (AID A0 00 00 05 27 20 01)");
            }
            Apdu.Response r = card.transmit(command);
            if (!r.ok()) {
                throw new CardException("the OTP application could not " + what + " " + slot + ": status "
                        + Apdu.sw(r.sw()));
            }
            if (r.data().length == 0) {
                r = card.transmit(Apdu.command(0x00, INS_STATUS, 0x00, 0x00, new byte[0]));
                if (!r.ok()) {
                    throw new CardException("the OTP application gave no status after it was to " + what + " " + slot
                            + ": status " + Apdu.sw(r.sw()));
                }
            }
            return Status.of(r.data());
        } finally {
            Arrays.fill(data, (byte) 0);
            Arrays.fill(command, (byte) 0);
        }
    }
}
