package io.fail2bancluster.agent.metrics;

import io.fail2bancluster.agent.status.AgentStatus.ServerStatus;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.NftStatus;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.FleetBanStatus;
import io.fail2bancluster.agent.status.LedgerSummary;
import io.fail2bancluster.agent.status.OutboxStatus;
import io.fail2bancluster.metrics.PrometheusText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's {@link AgentStatus} in Prometheus' text exposition format (version 0.0.4): the same
 * snapshot {@code fail2ban-clusterd status} prints, so the two never disagree. Pure: text in, text out.
 */
public final class PrometheusPage {
    private static final String PREFIX = "fail2ban_cluster_";

    private PrometheusPage() {
    }

    public static String render(AgentStatus status, String version) {
        StringBuilder out = new StringBuilder(256 + status.servers().size() * 1024);
        family(out, "info", "gauge", "The running fail2ban-clusterd version (always 1).");
        out.append(PREFIX).append("info{version=\"").append(PrometheusText.escape(version)).append("\"} 1\n");
        family(out, "start_time_seconds", "gauge", "When the agent started, in seconds since the Unix epoch.");
        out.append(PREFIX).append("start_time_seconds ").append(seconds(status.startedAt())).append('\n');

        List<String> labels = serverLabels(status.servers());
        family(out, "messages_total", "counter",
                "Channel messages from each server, by outcome: every received message ends in one other outcome.");
        for (int i = 0; i < labels.size(); i++) {
            Map<String, Long> counters = status.servers().get(i).counters();
            for (Counter counter : Counter.values()) {
                out.append(PREFIX).append("messages_total{server=\"").append(labels.get(i)).append("\",outcome=\"")
                        .append(counter.key()).append("\"} ").append(counters.getOrDefault(counter.key(), 0L)).append('\n');
            }
        }
        family(out, "server_connected", "gauge", "1 while the connection to the server is up and greeted, else 0.");
        for (int i = 0; i < labels.size(); i++) {
            sample(out, "server_connected", labels.get(i), status.servers().get(i).state().equals("connected") ? "1" : "0");
        }
        family(out, "server_reconnects_total", "counter", "Connection attempts to the server after the first.");
        for (int i = 0; i < labels.size(); i++) {
            sample(out, "server_reconnects_total", labels.get(i), Long.toString(status.servers().get(i).reconnects()));
        }
        family(out, "server_last_line_timestamp_seconds", "gauge",
                "When the last line from the server arrived, in seconds since the Unix epoch; absent before the first.");
        for (int i = 0; i < labels.size(); i++) {
            int server = i;
            status.servers().get(i).lastLineAt().ifPresent(
                    at -> sample(out, "server_last_line_timestamp_seconds", labels.get(server), seconds(at)));
        }
        family(out, "server_reads_paused_total", "counter",
                "Times reading from the server stopped because the exec queue was full (back-pressure, nothing dropped).");
        for (int i = 0; i < labels.size(); i++) {
            sample(out, "server_reads_paused_total", labels.get(i), Long.toString(status.servers().get(i).readPauses().count()));
        }
        family(out, "server_reads_paused", "gauge", "1 while reading from the server is stopped by back-pressure, else 0.");
        for (int i = 0; i < labels.size(); i++) {
            sample(out, "server_reads_paused", labels.get(i), status.servers().get(i).readPauses().now() ? "1" : "0");
        }
        natsFamilies(out, status, labels);
        retries(out, status.retries());
        status.outbox().ifPresent(outbox -> outbox(out, outbox));
        status.fleetBan().ifPresent(fleet -> fleetBan(out, fleet));
        status.ledger().ifPresent(ledger -> ledger(out, ledger));
        status.nftables().ifPresent(n -> nftables(out, n));
        return out.toString();
    }

    /** Only with {@code enforce: nftables} channels. */
    private static void nftables(StringBuilder out, NftStatus n) {
        family(out, "nft_set_elements", "gauge", "Elements the agent holds in force in each set of its nftables table.");
        n.elements().forEach((set, count) -> out.append(PREFIX).append("nft_set_elements{set=\"")
                .append(PrometheusText.escape(set)).append("\"} ").append(count).append('\n'));
        single(out, "nft_batches_total", "counter", "nft -f transactions written.", n.batches());
        family(out, "nft_elements_total", "counter", "Element operations by outcome: applied, failed (nft refused it), dropped (queue full).");
        out.append(PREFIX).append("nft_elements_total{outcome=\"applied\"} ").append(n.applied()).append('\n');
        out.append(PREFIX).append("nft_elements_total{outcome=\"failed\"} ").append(n.failed()).append('\n');
        out.append(PREFIX).append("nft_elements_total{outcome=\"dropped\"} ").append(n.dropped()).append('\n');
        single(out, "nft_repairs_total", "counter", "Times the table was found flushed or changed and rebuilt.",
                n.repairs());
        family(out, "nft_apply_seconds", "gauge", "How long nft took for the last batch (kind=last) and the longest (kind=max).");
        out.append(PREFIX).append("nft_apply_seconds{kind=\"last\"} ").append(n.lastApplyMicros() / 1e6).append('\n');
        out.append(PREFIX).append("nft_apply_seconds{kind=\"max\"} ").append(n.maxApplyMicros() / 1e6).append('\n');
        single(out, "nft_queued", "gauge", "Element operations waiting for the writer.", n.queued());
    }

    /** Only when a channel has fleet_ban. */
    private static void fleetBan(StringBuilder out, FleetBanStatus fleet) {
        single(out, "fleet_ban_tracked_addresses", "gauge", "(jail, address) pairs whose reported failures are being counted.",
                fleet.tracked());
        single(out, "fleet_ban_attempts_total", "counter", "action=attempt reports counted.", fleet.attempts());
        single(out, "fleet_ban_bans_total", "counter", "Fleet bans this agent decided and handed to the channel's action.",
                fleet.bans());
        single(out, "fleet_ban_evictions_total", "counter",
                "Addresses forgotten before their findtime ended because max_tracked were counted.", fleet.evicted());
    }

    /** A family of one unlabelled sample. */
    private static void single(StringBuilder out, String name, String type, String help, long value) {
        family(out, name, type, help);
        out.append(PREFIX).append(name).append(' ').append(value).append('\n');
    }

    /** Where each NATS server's stream stands; no samples without one. */
    private static void natsFamilies(StringBuilder out, AgentStatus status, List<String> labels) {
        List<Integer> nats = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            if (status.servers().get(i).nats().isPresent()) {
                nats.add(i);
            }
        }
        if (nats.isEmpty()) {
            return;
        }
        family(out, "nats_stream_position", "gauge", "The stream position stored: every message of the NATS server's stream up to it is settled.");
        nats.forEach(i -> sample(out, "nats_stream_position", labels.get(i),
                Long.toString(status.servers().get(i).nats().get().position())));
        family(out, "nats_catch_up_left", "gauge", "Messages of the catch-up still to come; 0 once live.");
        nats.forEach(i -> sample(out, "nats_catch_up_left", labels.get(i),
                Long.toString(status.servers().get(i).nats().get().catchUpLeft())));
        family(out, "nats_catch_up_skipped_total", "counter",
                "Catch-up messages not run: expired bans, unbans of bans never run here, and the like.");
        nats.forEach(i -> sample(out, "nats_catch_up_skipped_total", labels.get(i),
                Long.toString(status.servers().get(i).nats().get().catchUpSkipped())));
    }

    /** Actions that failed and are retried (docs/retries.md). */
    private static void retries(StringBuilder out, AgentStatus.Retries retries) {
        family(out, "actions_failing", "gauge", "Actions that failed and wait for their retry, or run it, now.");
        out.append(PREFIX).append("actions_failing ").append(retries.failing()).append('\n');
        family(out, "action_retries_total", "counter", "Tries of failing actions after their first.");
        out.append(PREFIX).append("action_retries_total ").append(retries.retries()).append('\n');
        family(out, "actions_oldest_failing_timestamp_seconds", "gauge",
                "When the action failing longest first failed, in seconds since the Unix epoch; absent when none fails.");
        retries.oldestFailing().ifPresent(at -> out.append(PREFIX).append("actions_oldest_failing_timestamp_seconds ")
                .append(seconds(at)).append('\n'));
    }

    /** Only when the agent keeps an outbox: a page without these families says it has none. */
    private static void outbox(StringBuilder out, OutboxStatus outbox) {
        single(out, "outbox_entries", "gauge", "This host's publishes waiting until every server carrying their channel has them.",
                outbox.depth());
        single(out, "outbox_max_entries", "gauge", "outbox_max: past it the agent refuses publishes.", outbox.max());
        family(out, "outbox_oldest_timestamp_seconds", "gauge",
                "When the oldest waiting publish was handed over, in seconds since the Unix epoch; absent when none waits.");
        outbox.oldest().ifPresent(at -> out.append(PREFIX).append("outbox_oldest_timestamp_seconds ").append(seconds(at)).append('\n'));
        family(out, "outbox_publishes_total", "counter",
                "Publishes handed to the agent, by outcome: accepted (kept on disk) or refused_full (outbox_max reached).");
        out.append(PREFIX).append("outbox_publishes_total{outcome=\"accepted\"} ").append(outbox.accepted()).append('\n');
        out.append(PREFIX).append("outbox_publishes_total{outcome=\"refused_full\"} ").append(outbox.refusedFull()).append('\n');
        family(out, "outbox_delivered_total", "counter", "Publishes every server carrying their channel confirmed.");
        out.append(PREFIX).append("outbox_delivered_total ").append(outbox.delivered()).append('\n');
    }

    /** Only when the agent keeps a ledger. */
    private static void ledger(StringBuilder out, LedgerSummary ledger) {
        family(out, "ledger_entries", "gauge", "Entries of the ledger of bans in force (bans, and unbans kept until the ban's end).");
        out.append(PREFIX).append("ledger_entries ").append(ledger.entries()).append('\n');
        family(out, "ledger_max_entries", "gauge", "ledger_max: past it new bans are run but not remembered.");
        out.append(PREFIX).append("ledger_max_entries ").append(ledger.max()).append('\n');
        family(out, "ledger_awaiting_action", "gauge", "Bans and unbans whose action has not succeeded here yet.");
        out.append(PREFIX).append("ledger_awaiting_action ").append(ledger.awaitingAction()).append('\n');
        family(out, "ledger_write_failing", "gauge", "1 while the ledger cannot be written (a full disk): publishes are refused.");
        out.append(PREFIX).append("ledger_write_failing ").append(ledger.writeFailure().isPresent() ? 1 : 0).append('\n');
        family(out, "catch_up_requests_total", "counter", "Fanout catch-up requests, by direction: sent by this host, answered by it.");
        out.append(PREFIX).append("catch_up_requests_total{direction=\"sent\"} ").append(ledger.requestsSent()).append('\n');
        out.append(PREFIX).append("catch_up_requests_total{direction=\"answered\"} ").append(ledger.requestsAnswered()).append('\n');
        family(out, "catch_up_reannounced_total", "counter", "Bans and unbans this host announced again in catch-up answers.");
        out.append(PREFIX).append("catch_up_reannounced_total ").append(ledger.reannounced()).append('\n');
        family(out, "catch_up_recovered_total", "counter", "Bans announced again by other hosts that ran here: missed, then caught up.");
        out.append(PREFIX).append("catch_up_recovered_total ").append(ledger.recovered()).append('\n');
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        PrometheusText.family(out, PREFIX + name, type, help);
    }

    private static void sample(StringBuilder out, String name, String server, String value) {
        out.append(PREFIX).append(name).append("{server=\"").append(server).append("\"} ").append(value).append('\n');
    }

    /**
     * Each server's label value, escaped. Two servers with the same address (the config warns about it)
     * would make two series with the same labels, which Prometheus rejects; the second becomes
     * {@code host:port#2}.
     */
    private static List<String> serverLabels(List<ServerStatus> servers) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> labels = new ArrayList<>(servers.size());
        for (ServerStatus server : servers) {
            int n = seen.merge(server.address(), 1, Integer::sum);
            labels.add(PrometheusText.escape(n == 1 ? server.address() : server.address() + "#" + n));
        }
        return labels;
    }

    /** Seconds since the epoch with milliseconds, as Prometheus' own process_start_time_seconds. */
    private static String seconds(Instant at) {
        long millis = at.toEpochMilli();
        String fraction = Integer.toString(Math.floorMod(millis, 1000));
        return Math.floorDiv(millis, 1000) + "." + "000".substring(fraction.length()) + fraction;
    }
}
