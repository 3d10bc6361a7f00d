package io.fail2bancluster.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.status.AgentStatus.ServerStatus;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.OutboxStatus;
import io.fail2bancluster.metrics.PrometheusText;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrometheusPageTest {
    /** An agent that keeps no outbox, as status shows it. */
    private static AgentStatus withoutOutbox(Instant startedAt, List<AgentStatus.ServerStatus> servers) {
        return new AgentStatus(startedAt, servers, Optional.empty());
    }

    private static final Instant STARTED = Instant.parse("2026-01-02T03:04:05.067Z");

    private static Map<String, Long> counters(long... values) {
        List<String> keys = List.of("received", "filtered_out", "deduplicated", "rejected", "executed", "failed",
                "timed_out", "dropped");
        Map<String, Long> counters = new java.util.HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            counters.put(keys.get(i), values[i]);
        }
        return counters;
    }

    @Test
    void everyServerWithItsCountersStateReconnectsAndLastLine() {
        AgentStatus status = withoutOutbox(STARTED, List.of(
                new ServerStatus("127.0.0.1:1986", "connected", Optional.of(STARTED), 0,
                        Optional.of(Instant.parse("2026-01-02T03:05:00.5Z")), counters(7, 2, 1, 0, 3, 1, 0, 0)),
                new ServerStatus("[2001:db8::1]:1986", "waiting", Optional.empty(), 12, Optional.empty(),
                        counters(0, 0, 0, 0, 0, 0, 0, 0))));

        assertEquals("""
                # HELP fail2ban_cluster_info The running fail2ban-clusterd version (always 1).
                # TYPE fail2ban_cluster_info gauge
                fail2ban_cluster_info{version="1.2.3"} 1
                # HELP fail2ban_cluster_start_time_seconds When the agent started, in seconds since the Unix epoch.
                # TYPE fail2ban_cluster_start_time_seconds gauge
                fail2ban_cluster_start_time_seconds 1767323045.067
                # HELP fail2ban_cluster_messages_total Channel messages from each server, by outcome: every received message ends in one other outcome.
                # TYPE fail2ban_cluster_messages_total counter
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="received"} 7
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="filtered_out"} 2
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="deduplicated"} 1
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="rejected"} 0
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="executed"} 3
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="failed"} 1
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="timed_out"} 0
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="dropped"} 0
                fail2ban_cluster_messages_total{server="127.0.0.1:1986",outcome="errors"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="received"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="filtered_out"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="deduplicated"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="rejected"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="executed"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="failed"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="timed_out"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="dropped"} 0
                fail2ban_cluster_messages_total{server="[2001:db8::1]:1986",outcome="errors"} 0
                # HELP fail2ban_cluster_server_connected 1 while the connection to the server is up and greeted, else 0.
                # TYPE fail2ban_cluster_server_connected gauge
                fail2ban_cluster_server_connected{server="127.0.0.1:1986"} 1
                fail2ban_cluster_server_connected{server="[2001:db8::1]:1986"} 0
                # HELP fail2ban_cluster_server_reconnects_total Connection attempts to the server after the first.
                # TYPE fail2ban_cluster_server_reconnects_total counter
                fail2ban_cluster_server_reconnects_total{server="127.0.0.1:1986"} 0
                fail2ban_cluster_server_reconnects_total{server="[2001:db8::1]:1986"} 12
                # HELP fail2ban_cluster_server_last_line_timestamp_seconds When the last line from the server arrived, in seconds since the Unix epoch; absent before the first.
                # TYPE fail2ban_cluster_server_last_line_timestamp_seconds gauge
                fail2ban_cluster_server_last_line_timestamp_seconds{server="127.0.0.1:1986"} 1767323100.500
                # HELP fail2ban_cluster_server_reads_paused_total Times reading from the server stopped because the exec queue was full (back-pressure, nothing dropped).
                # TYPE fail2ban_cluster_server_reads_paused_total counter
                fail2ban_cluster_server_reads_paused_total{server="127.0.0.1:1986"} 0
                fail2ban_cluster_server_reads_paused_total{server="[2001:db8::1]:1986"} 0
                # HELP fail2ban_cluster_server_reads_paused 1 while reading from the server is stopped by back-pressure, else 0.
                # TYPE fail2ban_cluster_server_reads_paused gauge
                fail2ban_cluster_server_reads_paused{server="127.0.0.1:1986"} 0
                fail2ban_cluster_server_reads_paused{server="[2001:db8::1]:1986"} 0
                # HELP fail2ban_cluster_actions_failing Actions that failed and wait for their retry, or run it, now.
                # TYPE fail2ban_cluster_actions_failing gauge
                fail2ban_cluster_actions_failing 0
                # HELP fail2ban_cluster_action_retries_total Tries of failing actions after their first.
                # TYPE fail2ban_cluster_action_retries_total counter
                fail2ban_cluster_action_retries_total 0
                # HELP fail2ban_cluster_actions_oldest_failing_timestamp_seconds When the action failing longest first failed, in seconds since the Unix epoch; absent when none fails.
                # TYPE fail2ban_cluster_actions_oldest_failing_timestamp_seconds gauge
                """, PrometheusPage.render(status, "1.2.3"));
    }

    @Test
    void theOutboxHasItsFamiliesOnlyWhenTheAgentKeepsOne() {
        assertFalse(PrometheusPage.render(withoutOutbox(STARTED, List.of()), "1").contains("outbox"));
        String page = PrometheusPage.render(new AgentStatus(STARTED, List.of(), Optional.of(
                new OutboxStatus(3, 100, Optional.of(Instant.parse("2026-12-01T22:00:01.500Z")), 9, 1, 6))), "1");
        assertTrue(page.contains("\nfail2ban_cluster_outbox_entries 3\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_outbox_max_entries 100\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_outbox_oldest_timestamp_seconds 1796162401.500\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_outbox_publishes_total{outcome=\"accepted\"} 9\n"
                + "fail2ban_cluster_outbox_publishes_total{outcome=\"refused_full\"} 1\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_outbox_delivered_total 6\n"), page);
        String empty = PrometheusPage.render(new AgentStatus(STARTED, List.of(), Optional.of(
                new OutboxStatus(0, 100, Optional.empty(), 9, 1, 9))), "1");
        assertFalse(empty.contains("\nfail2ban_cluster_outbox_oldest_timestamp_seconds "), "absent when none waits");
    }

    @Test
    void theFleetCountHasItsFamiliesOnlyWhenAChannelCounts() {
        assertFalse(PrometheusPage.render(withoutOutbox(STARTED, List.of()), "1").contains("fleet_ban"));
        String page = PrometheusPage.render(new AgentStatus(STARTED, List.of(), Optional.empty(),
                Optional.empty(), Optional.of(new io.fail2bancluster.agent.status.FleetBanStatus(12, 3400, 7, 1)),
                Optional.empty()), "1");
        assertTrue(page.contains("# TYPE fail2ban_cluster_fleet_ban_tracked_addresses gauge\n"
                + "fail2ban_cluster_fleet_ban_tracked_addresses 12\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_fleet_ban_attempts_total 3400\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_fleet_ban_bans_total 7\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_fleet_ban_evictions_total 1\n"), page);
    }

    @Test
    void labelValuesAreEscaped() {
        assertEquals("a\\\\b\\\"c\\nd", PrometheusText.escape("a\\b\"c\nd"));
        String page = PrometheusPage.render(withoutOutbox(STARTED, List.of()), "1.0 \"beta\"\n");
        assertEquals("fail2ban_cluster_info{version=\"1.0 \\\"beta\\\"\\n\"} 1", page.lines().toList().get(2));
    }

    @Test
    void aRepeatedAddressGetsADistinctLabelSoNoSeriesIsDuplicated() {
        ServerStatus server = new ServerStatus("h:1986", "connected", Optional.empty(), 0, Optional.empty(),
                counters(0, 0, 0, 0, 0, 0, 0, 0));
        String page = PrometheusPage.render(withoutOutbox(STARTED, List.of(server, server)), "1");
        assertEquals(List.of("fail2ban_cluster_server_reconnects_total{server=\"h:1986\"} 0",
                        "fail2ban_cluster_server_reconnects_total{server=\"h:1986#2\"} 0"),
                page.lines().filter(l -> l.startsWith("fail2ban_cluster_server_reconnects_total{")).toList());
    }

    @Test
    void aNatsServerHasItsStreamPositionAndCatchUpAndAFanoutOnlyPageHasNone() {
        ServerStatus nats = new ServerStatus("nats:FAIL2BAN_CLUSTER@n1:4222", "connected", Optional.of(STARTED), 0,
                Optional.empty(), Map.of(), Optional.of(new AgentStatus.NatsStatus(Optional.empty(), 4711, 12, 3)));
        ServerStatus fanout = new ServerStatus("a:1986", "connected", Optional.of(STARTED), 0, Optional.empty(), Map.of());
        String page = PrometheusPage.render(withoutOutbox(STARTED, List.of(fanout, nats)), "1");
        assertTrue(page.contains("fail2ban_cluster_nats_stream_position{server=\"nats:FAIL2BAN_CLUSTER@n1:4222\"} 4711\n"), page);
        assertTrue(page.contains("fail2ban_cluster_nats_catch_up_left{server=\"nats:FAIL2BAN_CLUSTER@n1:4222\"} 12\n"), page);
        assertTrue(page.contains("fail2ban_cluster_nats_catch_up_skipped_total{server=\"nats:FAIL2BAN_CLUSTER@n1:4222\"} 3\n"), page);
        assertFalse(page.contains("nats_stream_position{server=\"a:1986\"}"), page);
        assertFalse(PrometheusPage.render(withoutOutbox(STARTED, List.of(fanout)), "1").contains("nats_"));
    }

    @Test
    void readsPausedByBackPressureAreACounterAndAGaugePerServer() {
        ServerStatus paused = new ServerStatus("a:1986", "connected", Optional.of(STARTED), 0, Optional.empty(),
                counters(0, 0, 0, 0, 0, 0, 0, 0), Optional.empty(), new AgentStatus.ReadPauses(7, true));
        String page = PrometheusPage.render(withoutOutbox(STARTED, List.of(paused)), "1");
        assertTrue(page.contains("\nfail2ban_cluster_server_reads_paused_total{server=\"a:1986\"} 7\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_server_reads_paused{server=\"a:1986\"} 1\n"), page);
    }

    @Test
    void failingActionsTheirRetriesAndTheOldestFailure() {
        String page = PrometheusPage.render(new AgentStatus(STARTED, List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), new AgentStatus.Retries(2, 9, Optional.of(Instant.parse("2026-12-01T00:00:01.500Z")))), "1");
        assertTrue(page.contains("\nfail2ban_cluster_actions_failing 2\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_action_retries_total 9\n"), page);
        assertTrue(page.contains("\nfail2ban_cluster_actions_oldest_failing_timestamp_seconds 1796083201.500\n"), page);
    }
}
