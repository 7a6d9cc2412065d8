package org.otpappliance.tokenimport.card;

import java.util.HexFormat;

/**
 * What a card tells about itself: its ATR, whether the YubiKey OATH and OTP applications answer SELECT, the
 * firmware (from the OTP application's status) and the serial number (the OTP application's "device serial"
 * request; a YubiKey may be configured not to reveal it).
 */
public final class YubiKeyProbe {
    /** The YubiKey OTP application. */
    public static final byte[] OTP_AID = {(byte) 0xA0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01};
    /** OTP application: INS "YK2 request", P1 slot 0x10 = read the device serial (4 bytes, big-endian). */
    static final int OTP_INS_REQUEST = 0x01;
    static final int OTP_SLOT_DEVICE_SERIAL = 0x10;

    /**
     * @param atr         hex
     * @param oath        the OATH application's SELECT answer, null when it does not answer
     * @param otpFirmware the firmware as the OTP application reports it, null when it does not answer
     * @param serial      null when not obtainable
     */
    public record CardInfo(String atr, Ykoath.Info oath, String otpFirmware, Long serial) {
        public boolean yubiKey() {
            return oath != null || otpFirmware != null;
        }
    }

    private YubiKeyProbe() {
    }

    /** Probes the card; the OATH application is selected last, so OATH commands can follow. */
    public static CardInfo probe(CardConnection card) throws CardException {
        String atr = HexFormat.of().withUpperCase().formatHex(card.atr());
        String firmware = null;
        Long serial = null;
        Apdu.Response otp = card.select(OTP_AID);
        if (otp.ok()) {
            byte[] status = otp.data();
            firmware = status.length >= 3 ? Ykoath.version(java.util.Arrays.copyOf(status, 3)) : "?";
            Apdu.Response s = card.transmit(Apdu.command(0x00, OTP_INS_REQUEST, OTP_SLOT_DEVICE_SERIAL, 0x00, null));
            if (s.ok() && s.data().length == 4) {
                byte[] d = s.data();
                serial = ((long) (d[0] & 0xFF) << 24) | ((d[1] & 0xFF) << 16) | ((d[2] & 0xFF) << 8) | (d[3] & 0xFF);
            }
        }
        Ykoath.Info oath = new Ykoath(card).select();
        return new CardInfo(atr, oath, firmware, serial);
    }
}
