package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.AddressRange;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManualBanTest {

    @Test
    void addressesAndBlocksAreWrittenOneWay() {
        assertEquals("192.0.2.7", ManualBan.address("192.0.2.7").canonical());
        assertEquals("192.0.2.7", ManualBan.address(" 192.0.2.7/32 ").canonical());
        assertEquals("2001:db8::1", ManualBan.address("2001:DB8:0::1").canonical());
        assertEquals("192.0.2.7", ManualBan.address("::ffff:192.0.2.7").canonical());
        assertEquals("10.0.0.0/8", ManualBan.address("10.0.0.0/8").canonical());
        assertEquals("2001:db8::/32", ManualBan.address("2001:db8::/32").canonical());
    }

    @Test
    void aHostAddressWithAPrefixIsRefusedWithBothThingsItMayMean() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ManualBan.address("10.0.0.5/24"));
        assertTrue(e.getMessage().contains("did you mean 10.0.0.0/24 (the block), or 10.0.0.5 (the one address)?"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ManualBan.address("2001:db8::5/64"));
        assertTrue(e.getMessage().contains("2001:db8::/64 (the block), or 2001:db8::5 (the one address)"), e.getMessage());
    }

    @Test
    void namesAndNonsenseAreRefused() {
        for (String bad : List.of("example.com", "300.1.1.1", "10.0.0.0/33", "", "1.2.3.4/", "fe80::1%eth0")) {
            assertThrows(IllegalArgumentException.class, () -> ManualBan.address(bad), bad);
        }
    }

    @Test
    void durationsAreFail2bansSeconds() {
        assertEquals(600, ManualBan.bantime("600"));
        assertEquals(600, ManualBan.bantime("10m"));
        assertEquals(4 * 3600, ManualBan.bantime("4h"));
        assertEquals(7 * 86_400, ManualBan.bantime("7d"));
        assertEquals(14 * 86_400, ManualBan.bantime("2w"));
        assertEquals(30, ManualBan.bantime("30s"));
        assertEquals(-1, ManualBan.bantime("permanent"));
        assertEquals(-1, ManualBan.bantime("PERMANENT"));
        for (String bad : List.of("0", "-5", "10x", "m", "", "1.5h", "4 h", "99999999999999d")) {
            assertThrows(IllegalArgumentException.class, () -> ManualBan.bantime(bad), bad);
        }
    }

    @Test
    void aBantimeIsSaidInItsLargestWholeUnit() {
        assertEquals("for 4h", ManualBan.describe(4 * 3600));
        assertEquals("for 7d", ManualBan.describe(7 * 86_400));
        assertEquals("for 14d", ManualBan.describe(14 * 86_400));
        assertEquals("for 10m", ManualBan.describe(600));
        assertEquals("for 90 s", ManualBan.describe(90));
        assertEquals("permanently", ManualBan.describe(-1));
    }

    @Test
    void theReasonIsOneValue() {
        assertEquals("credential stuffing; see ticket 42", ManualBan.reason(" credential stuffing; see ticket 42 "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ManualBan.reason("a, b")).getMessage()
                .contains("write ';' instead"));
        assertThrows(IllegalArgumentException.class, () -> ManualBan.reason("x".repeat(201)));
        assertThrows(IllegalArgumentException.class, () -> ManualBan.reason("a\tb"));
        assertThrows(IllegalArgumentException.class, () -> ManualBan.jail("ssh d"));
        assertThrows(IllegalArgumentException.class, () -> ManualBan.jail("a,b"));
    }

    @Test
    void messagesAreTheOnesFail2bansActionSends() {
        AddressRange a = ManualBan.address("2001:DB8::1");
        assertEquals("jail=sshd, action=banip, ip=2001:db8::1, source=web1, bantime=600, reason=brute force",
                ManualBan.banMessage("sshd", a, "web1", 600, "brute force"));
        assertEquals("jail=sshd, action=banip, ip=2001:db8::1, source=web1, bantime=-1",
                ManualBan.banMessage("sshd", a, "web1", -1, null));
        assertEquals("jail=nginx, action=unbanip, ip=2001:db8::1, source=web1", ManualBan.unbanMessage("nginx", a, "web1"));
    }

    @Test
    void aBlockListKeepsEachEntryOnceAndIgnoresCommentsAndBlankLines() throws Exception {
        BlockList list = BlockList.parse("drop.txt", input("""
                # a blocklist
                192.0.2.7
                  203.0.113.0/24   ; spamhaus
                """.replace("; spamhaus", "# spamhaus") + "\r\n\n2001:DB8::1\n192.0.2.7/32\n"));
        assertEquals(List.of("192.0.2.7", "203.0.113.0/24", "2001:db8::1"),
                list.entries().stream().map(AddressRange::canonical).toList());
        assertEquals(1, list.repeats());
    }

    @Test
    void aBadLineIsNamedByFileAndLine() {
        BlockList.BadLine e = assertThrows(BlockList.BadLine.class,
                () -> BlockList.parse("drop.txt", input("192.0.2.7\n# fine\n\n10.0.0.5/24\n192.0.2.8\n")));
        assertTrue(e.getMessage().startsWith("drop.txt:4: '10.0.0.5/24' has bits set"), e.getMessage());
        e = assertThrows(BlockList.BadLine.class, () -> BlockList.read("/nonexistent/list", null));
        assertEquals("/nonexistent/list: no such file", e.getMessage());
    }

    private static ByteArrayInputStream input(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
