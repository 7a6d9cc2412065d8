package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserAssignmentsTest {
    static UserAssignments read(String text) throws IOException, SeedFileException {
        return UserAssignments.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void headerCommentsAndBlankLinesAreSkippedAndUnusedSerialsReported() throws Exception {
        UserAssignments a = read("\ufeffserial,username\n# who\n\nT1, dave\nT2,erin\nT1,dave\n");
        assertEquals(2, a.size());
        assertEquals("dave", a.userFor("T1"));
        assertNull(a.userFor("T3"));
        assertEquals(List.of("line 5: serial T2 is not in the seed file"), a.unused());
    }

    @Test
    void aBadLineIsAnErrorNamingItsLineNotItsText() {
        assertEquals("line 2: expected serial,username",
                assertThrows(SeedFileException.class, () -> read("T1,dave\nT2,erin,secret\n")).getMessage());
        assertEquals("line 1: bad username (1 to 255 characters)",
                assertThrows(SeedFileException.class, () -> read("T1,\n")).getMessage());
        assertEquals("line 2: serial T1 is already assigned to another user on line 1",
                assertThrows(SeedFileException.class, () -> read("T1,dave\nT1,erin\n")).getMessage());
        assertEquals("is not UTF-8 text", assertThrows(SeedFileException.class,
                () -> UserAssignments.read(new ByteArrayInputStream(new byte[] {'T', ',', (byte) 0xff}))).getMessage());
    }
}
