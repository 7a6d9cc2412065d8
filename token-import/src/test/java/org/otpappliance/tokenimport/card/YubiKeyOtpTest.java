package org.otpappliance.tokenimport.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

class YubiKeyOtpTest {
    private static YubiKeyOtp.Status status(int major, int minor, int build, int sequence, int touch) {
        return new YubiKeyOtp.Status(major, minor, build, sequence, touch);
    }

    @Test
    void aWriteIsTakenWhenTheProgrammingSequenceMovesOnByOne() {
        assertTrue(YubiKeyOtp.taken(status(5, 7, 1, 4, 0x01), status(5, 7, 1, 5, 0x03)));
        assertFalse(YubiKeyOtp.taken(status(5, 7, 1, 4, 0x01), status(5, 7, 1, 4, 0x01)), "unchanged: refused (an access code)");
        assertFalse(YubiKeyOtp.taken(status(5, 7, 1, 4, 0x01), status(5, 7, 1, 6, 0x03)));
    }

    @Test
    void aDropToZeroCountsWhenNoSlotIsLeftOrOnFirmwareThatDoesNotCount() {
        assertTrue(YubiKeyOtp.taken(status(5, 7, 1, 4, 0x01), status(5, 7, 1, 0, 0x00)), "the last slot erased");
        assertFalse(YubiKeyOtp.taken(status(5, 7, 1, 4, 0x01), status(5, 7, 1, 0, 0x01)));
        assertTrue(YubiKeyOtp.taken(status(5, 2, 7, 4, 0x01), status(5, 2, 7, 0, 0x03)), "5.0.0 to 5.4.2 do not count writes");
        assertFalse(YubiKeyOtp.taken(status(5, 4, 3, 4, 0x01), status(5, 4, 3, 0, 0x03)));
        assertFalse(YubiKeyOtp.taken(status(5, 2, 7, 0, 0x00), status(5, 2, 7, 0, 0x01)), "from 0, only 1 is a write");
    }

    @Test
    void theYubicoOtpConfigurationHasYkpersLayoutAndItsCrcResidue() {
        byte[] publicId = {1, 2, 3, 4, 5, 6};
        byte[] privateId = {7, 8, 9, 10, 11, 12};
        byte[] key = new byte[16];
        Arrays.fill(key, (byte) 0x5a);
        byte[] c = YubiKeyOtp.yubicoOtpConfig(publicId, privateId, key);
        assertEquals(52, c.length);
        assertEquals(6, c[44], "fixedSize after fixed[16] uid[6] key[16] accCode[6]");
        assertEquals(0x04, c[45], "extFlags: SERIAL_API_VISIBLE");
        assertEquals(0x20, c[46], "tktFlags: APPEND_CR");
        assertEquals(0, c[47], "cfgFlags");
        assertEquals(0x5a, c[22], "the key starts after fixed and uid");
        assertEquals(0xf0b8, YubicoOtpBlock.crc16(c, 0, c.length), "ykpers checks a configuration by this CRC residue");
    }
}
