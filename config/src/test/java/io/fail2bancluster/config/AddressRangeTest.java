package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AddressRangeTest {
    @Test
    void ipv4BlocksAndSingleAddresses() {
        AddressRange block = AddressRange.parse("10.0.0.0/8");
        assertTrue(block.contains("10.255.1.2"));
        assertTrue(block.contains(" 10.0.0.1 "));
        assertFalse(block.contains("11.0.0.1"));
        assertTrue(block.contains("::ffff:10.1.2.3"), "an IPv4-mapped spelling is the same address");
        assertFalse(block.contains("host.example.com"));
        assertFalse(block.contains("-10.0.0.1"));
        AddressRange single = AddressRange.parse("192.0.2.7");
        assertTrue(single.contains("192.0.2.7"));
        assertFalse(single.contains("192.0.2.8"));
        assertTrue(AddressRange.parse("0.0.0.0/0").contains("203.0.113.9"));
        assertFalse(AddressRange.parse("0.0.0.0/0").contains("2001:db8::1"), "families never mix");
    }

    @Test
    void ipv6BlocksAndSingleAddresses() {
        AddressRange block = AddressRange.parse("2001:db8::/32");
        assertTrue(block.contains("2001:db8:ffff::1"));
        assertTrue(block.contains("[2001:db8::1]"));
        assertTrue(block.contains("2001:0db8:0000::1"));
        assertFalse(block.contains("2001:db9::1"));
        assertFalse(block.contains("10.0.0.1"));
        assertFalse(block.contains("fe80::1%eth0"), "zone ids are not remote addresses");
        assertTrue(AddressRange.parse("::1").contains("0:0:0:0:0:0:0:1"));
        assertTrue(AddressRange.parse("2001:db8::/33").contains("2001:db8:7fff::1"));
        assertFalse(AddressRange.parse("2001:db8::/33").contains("2001:db8:8000::1"));
        assertTrue(AddressRange.parse("::ffff:192.0.2.0/120").contains("192.0.2.200"));
    }

    @Test
    void onlyLiteralsAndSaneLengths() {
        for (String bad : new String[] {"", "localhost", "10.0.0", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/x",
                "2001:db8::/129", "1.2.3.4/8", "::ffff:1.2.3.0/90", "10.0.0.0/8/8"}) {
            assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(bad), bad);
        }
        assertNull(AddressRange.literal("example.com"));
        assertEquals(4, AddressRange.literal("::ffff:1.2.3.4").length);
    }

    @Test
    void oneCanonicalSpellingPerRangeWhileItsTextStaysAsWritten() {
        assertEquals("2001:db8::1", AddressRange.parse("2001:0DB8:0000::1").canonical());
        assertEquals("2001:db8::/32", AddressRange.parse("2001:DB8::/32").canonical());
        assertEquals("192.0.2.7", AddressRange.parse("::ffff:192.0.2.7").canonical());
        assertEquals("192.0.2.0/24", AddressRange.parse("::ffff:192.0.2.0/120").canonical());
        assertEquals("192.0.2.7", AddressRange.parse("192.0.2.7/32").canonical(), "a single address has no prefix");
        assertEquals("10.0.0.0/8", AddressRange.parse(" 10.0.0.0/8 ").canonical());
        AddressRange written = AddressRange.parse("2001:DB8::/32");
        assertEquals("2001:DB8::/32", written.toString(), "messages quote the operator's spelling");
        assertEquals("2001:db8::/32", written.normalised().toString());
        assertEquals(written, written.normalised());
        assertTrue(AddressRange.parse("192.0.2.7").isSingleAddress());
        assertFalse(AddressRange.parse("192.0.2.0/31").isSingleAddress());
    }

    @Test
    void aRangeContainsTheAddressesAndNarrowerRangesInsideIt() {
        AddressRange block = AddressRange.parse("10.0.0.0/8");
        assertTrue(block.contains(AddressRange.parse("10.1.2.3")));
        assertTrue(block.contains(AddressRange.parse("10.1.0.0/16")));
        assertTrue(block.contains(block));
        assertFalse(block.contains(AddressRange.parse("0.0.0.0/0")), "a wider range is not inside");
        assertFalse(block.contains(AddressRange.parse("11.0.0.0/16")));
        assertFalse(AddressRange.parse("0.0.0.0/0").contains(AddressRange.parse("::/0")), "families never mix");
        assertTrue(AddressRange.parse("2001:db8::/32").contains(AddressRange.parse("2001:db8:1::/48")));
        assertTrue(AddressRange.parse("192.0.2.0/24").contains(AddressRange.parse("::ffff:192.0.2.9")));
    }

    @Test
    void rangesSortAsNumbersIpv4First() {
        java.util.List<String> sorted = java.util.stream.Stream.of("2001:db8::1", "10.0.0.10", "10.0.0.2", "10.0.0.0/8",
                "192.0.2.7", "::1").map(AddressRange::parse).sorted().map(AddressRange::canonical).toList();
        assertEquals(java.util.List.of("10.0.0.0/8", "10.0.0.2", "10.0.0.10", "192.0.2.7", "::1", "2001:db8::1"), sorted);
    }
}
