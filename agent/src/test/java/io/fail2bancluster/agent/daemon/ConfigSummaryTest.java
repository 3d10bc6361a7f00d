package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.DefaultPaths;
import org.junit.jupiter.api.Test;

class ConfigSummaryTest {
    @Test
    void checkShowsWhomATlsServerIsVerifiedAgainst() {
        String summary = ConfigSummary.describe(ConfigLoader.parse("""
                servers:
                  - host: 192.0.2.10
                    tls: true
                    server_name: fanout.example
                    channels:
                      - name: c
                  - host: plain.example
                    channels:
                      - name: c
                """, "summary.yml"));
        assertTrue(summary.contains("server 192.0.2.10:1986 (ping every 20 s, timeout 60 s,"
                + " TLS verifying fanout.example against the JDK trust store)\n"), summary);
        assertTrue(summary.contains("server plain.example:1986 (ping every 20 s, timeout 60 s)\n"), summary);
    }

    @Test
    void checkShowsWhereMetricsAreServedWhenTheyAre() {
        String minimal = "servers:\n  - host: h\n    channels:\n      - name: c\n";
        String summary = ConfigSummary.describe(ConfigLoader.parse(minimal + "metrics: 9100\n", "summary.yml"));
        assertTrue(summary.contains("\nmetrics on http://127.0.0.1:9100/metrics\n"), summary);
        assertFalse(ConfigSummary.describe(ConfigLoader.parse(minimal, "summary.yml")).contains("metrics"));
    }

    @Test
    void checkShowsAChannelsFleetBan() {
        String summary = ConfigSummary.describe(ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: c
                        action: "ban %ip%"
                        fleet_ban: {attempts: 10, hosts: 3, findtime: 300}
                """, "summary.yml"));
        assertTrue(summary.contains("\n    fleet_ban: action=attempt reports are counted; 10 failures from 3 hosts within "
                + "300 s run the action as action=banip with bantime=3600 (at most 100000 addresses tracked)\n"), summary);
    }

    @Test
    void checkShowsWhatANatsEntryConnectsTo() {
        String summary = ConfigSummary.describe(ConfigLoader.parse("""
                state_dir: /srv/f2bc
                outbox_max: 500
                servers:
                  - nats: [nats://n1.example:4222, nats://n2.example]
                    retention: 86400
                    channels:
                      - name: Fail2ban
                """, "summary.yml"));
        assertTrue(summary.contains("\nstate_dir /srv/f2bc (outbox of up to 500 entries; stream positions)\n"), summary);
        assertTrue(summary.contains("\nnats nats://n1.example:4222,nats://n2.example:4222 (stream FAIL2BAN_CLUSTER, "
                + "replicas 3 on a cluster of 3 or more, else 1, retention 86400 s, auth none)\n  channel Fail2ban\n"),
                summary);
        assertFalse(summary.contains("cannot receive"), summary);
    }

    @Test
    void checkSaysWhereStateDirIsWithoutNatsToo() {
        // root's defaults, whoever runs the test
        String summary = ConfigSummary.describe(ConfigLoader.parse("servers:\n  - host: h\n    channels:\n      - name: c\n",
                "summary.yml", DefaultPaths.SYSTEM), DefaultPaths.SYSTEM);
        assertTrue(summary.contains("\nstate_dir /var/lib/fail2ban-cluster (outbox of up to 100000 entries)\n"),
                summary);
        assertFalse(summary.contains("NATS servers yet"), summary);
    }

    @Test
    void checkShowsTheLedgerBoundAndWhatItCostsWhenFull() {
        String minimal = "servers:\n  - host: h\n    channels:\n      - name: c\n";
        assertTrue(ConfigSummary.describe(ConfigLoader.parse(minimal, "summary.yml"))
                .contains("\nledger of up to 100000 bans in force (ledger_max; about 18 MB of heap when full)\n"));
        assertTrue(ConfigSummary.describe(ConfigLoader.parse("ledger_max: 1000\n" + minimal, "summary.yml"))
                .contains("\nledger of up to 1000 bans in force (ledger_max; about 1 MB of heap when full)\n"));
    }

    @Test
    void checkShowsTheNftablesTableSetsAndChainItWouldCreate() {
        String summary = ConfigSummary.describe(ConfigLoader.parse("""
                servers:
                  - host: 192.0.2.10
                    channels:
                      - name: Fail2ban
                        enforce: nftables
                        bantime: -1
                nftables:
                  ports: [22]
                """, "summary.yml"));
        assertTrue(summary.contains("    enforce nftables into sets ch_Fail2ban_v4, ch_Fail2ban_v6 (addresses),"
                + " ch_Fail2ban_v4_net, ch_Fail2ban_v6_net (CIDR blocks); bantime -1: permanent unless the message"
                + " has one\n"), summary);
        assertTrue(summary.contains("""
                nftables: the agent owns table inet fail2ban_cluster (reconcile every 60 s) and would create:
                table inet fail2ban_cluster {
                \tset ch_Fail2ban_v4 { type ipv4_addr; flags timeout; }
                \tset ch_Fail2ban_v4_net { type ipv4_addr; flags interval, timeout; }
                \tset ch_Fail2ban_v6 { type ipv6_addr; flags timeout; }
                \tset ch_Fail2ban_v6_net { type ipv6_addr; flags interval, timeout; }
                \tchain input {
                \t\ttype filter hook input priority -10; policy accept;
                \t\tmeta l4proto { tcp, udp } th dport { 22 } ip saddr @ch_Fail2ban_v4 drop
                \t\tmeta l4proto { tcp, udp } th dport { 22 } ip saddr @ch_Fail2ban_v4_net drop
                \t\tmeta l4proto { tcp, udp } th dport { 22 } ip6 saddr @ch_Fail2ban_v6 drop
                \t\tmeta l4proto { tcp, udp } th dport { 22 } ip6 saddr @ch_Fail2ban_v6_net drop
                \t}
                }
                """), summary);
    }

    @Test
    void checkShowsHowFailingActionsAreRetriedAndWhatCountsAsSuccess() {
        String summary = ConfigSummary.describe(ConfigLoader.parse("action_retry_max: 120\nexec_queue: 500\n"
                + "servers:\n  - host: h\n    channels:\n      - name: c\n        action: \"true %ip%\"\n"
                + "        success_exit: [3, 1]\n", "summary.yml"));
        assertTrue(summary.contains("\nfailing actions retried with backoff, at most every 120 s (action_retry_max); "
                + "waiting ones count against exec_queue 500\n"), summary);
        assertTrue(summary.contains("\n    success_exit [1, 3] (exit statuses that count as success besides 0)\n"),
                summary);
    }
}
