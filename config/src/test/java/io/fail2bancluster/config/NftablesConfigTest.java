package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code enforce: nftables} on a channel, its {@code bantime}, and the top-level {@code nftables:} block. */
class NftablesConfigTest {
    private static final String ENFORCED = """
            servers:
              - host: h
                channels:
                  - name: Fail2ban
                    enforce: nftables
            """;

    @Test
    void aChannelEnforcesIntoTheDefaultTable() {
        ClusterConfig config = ConfigLoader.parse(ENFORCED, "t.yml");
        ChannelConfig channel = config.servers().get(0).channels().get(0);
        assertEquals(Optional.of(ChannelConfig.Enforce.NFTABLES), channel.enforce());
        assertEquals(600, channel.bantime());
        assertTrue(channel.acts());
        assertEquals(NftablesConfig.DEFAULTS, config.nftables());
        assertEquals(List.of(channel), config.enforcedChannels());
        assertEquals(new NftablesConfig("fail2ban_cluster", -10, List.of(), Duration.ofSeconds(60)), config.nftables());
    }

    @Test
    void theBlockAndBantimeAreRead() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: Fail2ban
                        enforce: nftables
                        bantime: -1
                nftables:
                  table: edge
                  priority: -200
                  ports: [22, 443, 22]
                  reconcile: 5
                """, "t.yml");
        assertEquals(ChannelConfig.PERMANENT, config.servers().get(0).channels().get(0).bantime());
        assertEquals(new NftablesConfig("edge", -200, List.of(22, 443), Duration.ofSeconds(5)), config.nftables());
    }

    @Test
    void actionAndEnforceTogetherAreRefusedAtEnforcesLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(ENFORCED
                + "        action: fail2ban-client set sshd banip %ip%\n", "t.yml"));
        assertEquals("t.yml: servers[0].channels[0].enforce: a channel has either 'action' (line 6) or 'enforce',"
                + " not both: enforce: nftables writes the bans into the kernel itself, line 5", e.getMessage());
    }

    @Test
    void anUnknownEnforcementIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(ENFORCED.replace("nftables", "iptables"), "t.yml"));
        assertEquals("t.yml: servers[0].channels[0].enforce: the only enforcement is 'nftables', got 'iptables', line 5",
                e.getMessage());
    }

    @Test
    void bantimeWithoutEnforceOrOfZeroIsRefused() {
        ConfigException without = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: Fail2ban
                        action: x %ip%
                        bantime: 60
                """, "t.yml"));
        assertTrue(without.getMessage().startsWith("t.yml: servers[0].channels[0].bantime: only means something with"
                + " enforce: nftables"), without.getMessage());
        ConfigException zero = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(ENFORCED + "        bantime: 0\n", "t.yml"));
        assertTrue(zero.getMessage().contains("must be -1 (permanent) or a number of seconds, got 0, line 6"),
                zero.getMessage());
    }

    @Test
    void badTableNamesPortsAndKeysAreRefusedWithTheirLine() {
        assertEquals("t.yml: nftables.table: a table name is a letter then up to 63 letters, digits or '_', got"
                + " 'my table', line 7", assertThrows(ConfigException.class,
                        () -> ConfigLoader.parse(ENFORCED + "nftables:\n  table: my table\n", "t.yml")).getMessage());
        assertEquals("t.yml: nftables.ports[0]: must be between 1 and 65535, got 0, line 7",
                assertThrows(ConfigException.class,
                        () -> ConfigLoader.parse(ENFORCED + "nftables:\n  ports: [0]\n", "t.yml")).getMessage());
        assertTrue(assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(ENFORCED + "nftables:\n  priorty: 0\n", "t.yml")).getMessage()
                .contains("unknown key, did you mean 'priority'?"));
    }

    @Test
    void channelsWhoseSetNamesCollideAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: a.b
                        enforce: nftables
                      - name: a-b
                        enforce: nftables
                """, "t.yml"));
        assertTrue(e.getMessage().contains("channel 'a-b' gives the same nftables set names as 'a.b'"), e.getMessage());
    }

    @Test
    void aReloadNamesEnforceAndBantimeChanges() {
        ChannelConfig before = ConfigLoader.parse(ENFORCED, "t.yml").servers().get(0).channels().get(0);
        ChannelConfig after = ConfigLoader.parse(ENFORCED + "        bantime: 60\n", "t.yml").servers().get(0).channels().get(0);
        assertEquals(List.of("bantime"), before.changesIn(after));
    }
}
