package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RadiusClientTest {
    @Test
    void copiesAndHidesTheSecret() {
        byte[] secret = "hunter2hunter2".getBytes(StandardCharsets.UTF_8);
        RadiusClient client = new RadiusClient("vpn", secret, true);
        secret[0] = 'X';
        assertArrayEquals("hunter2hunter2".getBytes(StandardCharsets.UTF_8), client.secret());
        client.secret()[0] = 'Y';
        assertEquals('h', client.secret()[0]);
        assertFalse(client.toString().contains("hunter2"));
        assertEquals(client, new RadiusClient("vpn", "hunter2hunter2".getBytes(StandardCharsets.UTF_8), true));
        assertEquals(client.hashCode(), new RadiusClient("vpn", "hunter2hunter2".getBytes(StandardCharsets.UTF_8), true).hashCode());
    }

    @Test
    void refusesEmptySecretsAndBlankNames() {
        assertThrows(IllegalArgumentException.class, () -> new RadiusClient("vpn", new byte[0], true));
        assertThrows(IllegalArgumentException.class, () -> new RadiusClient(" ", new byte[1], true));
        assertThrows(NullPointerException.class, () -> new RadiusClient(null, new byte[1], true));
    }

    @Test
    void contextHasNoNullText() throws Exception {
        RadiusContext c = new RadiusContext("vpn", java.net.InetAddress.getByName("192.0.2.1"), null, null, null);
        assertEquals("", c.nasIdentifier());
        assertEquals("", c.nasIpAddress());
        assertEquals("", c.callingStationId());
    }
}
