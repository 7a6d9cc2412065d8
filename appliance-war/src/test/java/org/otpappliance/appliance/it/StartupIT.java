package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An appliance that cannot serve correctly refuses to start, says why, and exits for its supervisor to see. */
class StartupIT {
    @Test
    void aNodeWithoutTheMasterKeyOfItsDatabaseRefusesToStartAndLeavesNoKeyBehind() throws Exception {
        Path data = Files.createTempDirectory("otp-key");
        Appliance.start(data, Map.of()).close();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        Files.delete(data.resolve("master.key"));

        Appliance.Refusal refusal = Appliance.startExpectingRefusal(data, Map.of());
        assertNotEquals(0, refusal.exitCode());
        assertTrue(refusal.log().contains("master key is not the one the database's seeds are encrypted with"), refusal.log());
        assertFalse(Files.exists(data.resolve("master.key")), "the fresh, wrong key is taken back");

        String other = Base64.getEncoder().encodeToString(new byte[32]);
        assertNotEquals(0, Appliance.startExpectingRefusal(data, Map.of("OTP_APPLIANCE_MASTER_KEY", other)).exitCode());
    }

    @Test
    void aBadSettingStopsTheStartNamingTheKey() throws Exception {
        Appliance.Refusal refusal = Appliance.startExpectingRefusal(Files.createTempDirectory("otp-bad"),
                Map.of("OTP_APPLIANCE_MAX_FAILURES", "ten"));
        assertNotEquals(0, refusal.exitCode());
        assertTrue(refusal.log().contains("otp.appliance.max-failures must be a whole number"), refusal.log());
    }
}
