package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrBlockTest {

    @Test
    void parsesBlocksAndSingleAddresses() throws UnknownHostException {
        CidrBlock v4 = CidrBlock.parse("192.0.2.0/24");
        assertEquals(24, v4.prefixLength());
        assertEquals("192.0.2.0/24", v4.toString());
        assertTrue(v4.contains(ip("192.0.2.0")));
        assertTrue(v4.contains(ip("192.0.2.255")));
        assertFalse(v4.contains(ip("192.0.3.0")));
        assertFalse(v4.contains(ip("2001:db8::1")));

        CidrBlock v6 = CidrBlock.parse(" 2001:db8::/32 ");
        assertTrue(v6.isIpv6());
        assertEquals("2001:db8::/32", v6.toString());
        assertTrue(v6.contains(ip("2001:db8:ffff::1")));
        assertFalse(v6.contains(ip("2001:db9::1")));
        assertFalse(v6.contains(ip("192.0.2.1")));

        CidrBlock single = CidrBlock.parse("192.0.2.10");
        assertEquals(32, single.prefixLength());
        assertTrue(single.isSingleAddress());
        assertTrue(single.contains(ip("192.0.2.10")));
        assertFalse(single.contains(ip("192.0.2.11")));

        assertEquals(128, CidrBlock.parse("::1").prefixLength());
        assertTrue(CidrBlock.parse("0.0.0.0/0").contains(ip("203.0.113.9")));
        assertTrue(CidrBlock.parse("::/0").contains(ip("2001:db8::9")));
        assertTrue(CidrBlock.parse("10.0.0.0/9").contains(ip("10.127.255.255")));
        assertFalse(CidrBlock.parse("10.0.0.0/9").contains(ip("10.128.0.0")));
        assertEquals(CidrBlock.parse("192.0.2.0/24"), CidrBlock.parse("::ffff:192.0.2.0/120"));
        assertEquals(CidrBlock.parse("192.0.2.0/24"), CidrBlock.of(ip("192.0.2.77"), 24));
        assertFalse(CidrBlock.parse("192.0.2.0/24").contains(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/24", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/-1", "192.0.2", "192.0.2.256", "192.0.2.01",
            "0x7f.0.0.1", "localhost", "example.com", "2001:db8::/129", "2001:db8::g", "fe80::1%eth0", "[::1]", "192.0.2.0/24/1",
            "::ffff:192.0.2.0/64", "1:2:3:4:5:6:7:8:9", "192.0.2.0 /24"})
    void refusesWhatIsNotALiteralBlock(String text) {
        assertThrows(IllegalArgumentException.class, () -> CidrBlock.parse(text));
    }

    @Test
    void refusesHostBitsNamingTheNetwork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CidrBlock.parse("192.0.2.1/24"));
        assertTrue(e.getMessage().contains("192.0.2.0/24"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CidrBlock.parse("2001:db8::1/32"));
    }

    @Test
    void mostSpecificMatchWins() throws UnknownHostException {
        record Entry(String name, CidrBlock block) {
        }
        List<Entry> entries = List.of(
                new Entry("all", CidrBlock.parse("0.0.0.0/0")),
                new Entry("site", CidrBlock.parse("192.0.2.0/24")),
                new Entry("host", CidrBlock.parse("192.0.2.10")),
                new Entry("half", CidrBlock.parse("192.0.2.0/25")),
                new Entry("v6", CidrBlock.parse("2001:db8::/32")));
        assertEquals("host", CidrBlock.mostSpecific(entries, Entry::block, ip("192.0.2.10")).orElseThrow().name());
        assertEquals("half", CidrBlock.mostSpecific(entries, Entry::block, ip("192.0.2.11")).orElseThrow().name());
        assertEquals("site", CidrBlock.mostSpecific(entries, Entry::block, ip("192.0.2.200")).orElseThrow().name());
        assertEquals("all", CidrBlock.mostSpecific(entries, Entry::block, ip("198.51.100.1")).orElseThrow().name());
        assertEquals("v6", CidrBlock.mostSpecific(entries, Entry::block, ip("2001:db8::1")).orElseThrow().name());
        assertEquals(Optional.empty(), CidrBlock.mostSpecific(entries, Entry::block, ip("2001:db9::1")));
        assertEquals(Optional.empty(), CidrBlock.mostSpecific(List.<Entry>of(), Entry::block, ip("192.0.2.1")));
    }

    @Property(tries = 500)
    void aBlockContainsExactlyTheAddressesSharingItsPrefix(@ForAll @Size(value = 4) byte[] network, @ForAll @IntRange(max = 32) int prefix,
                                                          @ForAll @Size(value = 4) byte[] probe) throws UnknownHostException {
        CidrBlock block = CidrBlock.of(InetAddress.getByAddress(network), prefix);
        long n = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(network).getInt());
        long p = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(probe).getInt());
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        assertEquals((n & mask) == (p & mask), block.contains(InetAddress.getByAddress(probe)));
        assertEquals(block, CidrBlock.parse(block.toString()));
    }

    @Property(tries = 300)
    void ipv6BlocksRoundTripThroughText(@ForAll @Size(value = 16) byte[] network, @ForAll @IntRange(max = 128) int prefix) throws UnknownHostException {
        CidrBlock block = CidrBlock.of(InetAddress.getByAddress(network), prefix);
        if (block.isIpv6()) { // ::ffff:a.b.c.d bytes come back as IPv4 from getByAddress
            assertEquals(block, CidrBlock.parse(block.toString()));
            assertTrue(block.contains(InetAddress.getByAddress(network)));
        }
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }
}
