package io.fail2bancluster.agent.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.NftablesConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NftScriptTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theTableHasTwoSetsPerChannelAndOneInputChain() {
        NftScript script = new NftScript(NftablesConfig.DEFAULTS, List.of("Fail2ban"));
        assertEquals("""
                table inet fail2ban_cluster {
                \tset ch_Fail2ban_v4 { type ipv4_addr; flags timeout; }
                \tset ch_Fail2ban_v4_net { type ipv4_addr; flags interval, timeout; }
                \tset ch_Fail2ban_v6 { type ipv6_addr; flags timeout; }
                \tset ch_Fail2ban_v6_net { type ipv6_addr; flags interval, timeout; }
                \tchain input {
                \t\ttype filter hook input priority -10; policy accept;
                \t\tip saddr @ch_Fail2ban_v4 drop
                \t\tip saddr @ch_Fail2ban_v4_net drop
                \t\tip6 saddr @ch_Fail2ban_v6 drop
                \t\tip6 saddr @ch_Fail2ban_v6_net drop
                \t}
                }
                """, script.definition());
    }

    @Test
    void theAssertionKeepsSetsReplacesTheChainAndDropsStaleSets() {
        NftScript script = new NftScript(new NftablesConfig("t", 5, List.of(22, 443), Duration.ofSeconds(1)),
                List.of("a"));
        assertEquals("""
                add table inet t
                add set inet t ch_a_v4 { type ipv4_addr; flags timeout; }
                add set inet t ch_a_v4_net { type ipv4_addr; flags interval, timeout; }
                add set inet t ch_a_v6 { type ipv6_addr; flags timeout; }
                add set inet t ch_a_v6_net { type ipv6_addr; flags interval, timeout; }
                add chain inet t input { type filter hook input priority 5; policy accept; }
                delete chain inet t input
                add chain inet t input { type filter hook input priority 5; policy accept; }
                add rule inet t input meta l4proto { tcp, udp } th dport { 22, 443 } ip saddr @ch_a_v4 drop
                add rule inet t input meta l4proto { tcp, udp } th dport { 22, 443 } ip saddr @ch_a_v4_net drop
                add rule inet t input meta l4proto { tcp, udp } th dport { 22, 443 } ip6 saddr @ch_a_v6 drop
                add rule inet t input meta l4proto { tcp, udp } th dport { 22, 443 } ip6 saddr @ch_a_v6_net drop
                delete set inet t ch_old_v4
                """, script.assertion(List.of("ch_old_v4")));
    }

    @Test
    void aBatchIsOneStatementPerRunAndAnUnbanAddsBeforeItDeletes() {
        List<NftOp> ops = List.of(
                ban("ch_a_v4", "192.0.2.7", NOW.plusSeconds(600)),
                ban("ch_a_v4", "198.51.100.0/24", Instant.MAX),
                new NftOp("ch_a_v4", AddressRange.parse("192.0.2.8"), null, "m", x -> { }),
                ban("ch_a_v6", "2001:db8::1", NOW.plusMillis(1500)));
        assertEquals("""
                add element inet t ch_a_v4 { 192.0.2.7 timeout 600000ms, 198.51.100.0/24 }
                add element inet t ch_a_v4 { 192.0.2.8 }
                delete element inet t ch_a_v4 { 192.0.2.8 }
                add element inet t ch_a_v6 { 2001:db8::1 timeout 1500ms }
                """, NftBatch.script("inet t", ops, NOW));
    }

    @Test
    void addressesGoToHashSetsAndBlocksToIntervalSets() {
        assertEquals("ch_a_v4", NftScript.setOf("a", AddressRange.parse("192.0.2.7/32")));
        assertEquals("ch_a_v4_net", NftScript.setOf("a", AddressRange.parse("198.51.100.0/24")));
        assertEquals("ch_a_v6", NftScript.setOf("a", AddressRange.parse("2001:db8::1")));
        assertEquals("ch_a_v6_net", NftScript.setOf("a", AddressRange.parse("2001:db8::/64")));
        assertEquals("ch_a_v4", NftScript.setOf("a", AddressRange.parse("::ffff:192.0.2.7")));
    }

    @Test
    void staleSetsAreThoseOfTheTableNoChannelWants() {
        NftScript script = new NftScript(NftablesConfig.DEFAULTS, List.of("a"));
        assertEquals(List.of("ch_gone_v4"), NftEnforcer.staleSets("""
                table inet fail2ban_cluster {
                	set ch_a_v4 {
                	}
                	set ch_gone_v4 {
                	}
                }
                """, script));
    }

    static NftOp ban(String set, String element, Instant until) {
        return new NftOp(set, AddressRange.parse(element), until, "message " + element, x -> { });
    }
}
