package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example config we ship in etc/ must load, or every new install starts with an error. */
class ShippedExampleConfigTest {

    @Test
    void etcExampleLoadsWithoutWarnings() {
        Path example = Path.of("..", "etc", "fail2ban-cluster.yml");
        assertTrue(Files.isRegularFile(example), "expected the shipped example at " + example.toAbsolutePath());

        ClusterConfig config = ConfigLoader.load(example);

        assertEquals(1, config.servers().size());
        ChannelConfig channel = config.servers().get(0).channels().get(0);
        assertEquals("Fail2ban", channel.name());
        assertEquals(List.of("action", "jail", "ip"), channel.filters().stream().map(FilterEntry::key).toList());
        assertTrue(config.strict());
        // received bans go to the receive-only jail, never back into the publishing one
        assertEquals("fail2ban-client set %jail%-cluster %action% %ip%", channel.action().orElseThrow().text());
        assertTrue(channel.skipOwn());
        assertEquals(List.of(), config.warnings());
        FilterEntry ip = channel.filters().get(2);
        for (String address : List.of("192.0.2.7", "10.0.0.255", "2001:db8::7", "::1", "fe80::1:2:3:4")) {
            assertTrue(ip.accepts(address), address);
        }
        for (String hostile : List.of("-h", "256.1.1.1", "1.2.3", "192.0.2.7 ", "192.0.2.7;reboot", "$(id)", "", "01.2.3.4")) {
            assertFalse(ip.accepts(hostile), hostile);
        }
    }
}
