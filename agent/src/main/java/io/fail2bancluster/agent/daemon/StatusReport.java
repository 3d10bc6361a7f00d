package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.status.AgentStatus.ServerStatus;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.FleetBanStatus;
import io.fail2bancluster.agent.status.LedgerSummary;
import io.fail2bancluster.agent.status.OutboxStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the control socket's {@code status} carries: the agent's pid, version and {@link AgentStatus}, as
 * flat fields ({@code server.0.address: host:1986}) so a shell script can grep them and new fields do not
 * break old readers; and how {@code fail2ban-clusterd status} prints it for a person.
 */
public record StatusReport(long pid, String version, AgentStatus status) {

    /** The counters every server has, in the order they are printed. */
    public static final List<String> COUNTERS = List.of(
            "received", "filtered_out", "deduplicated", "rejected", "executed", "failed", "timed_out", "dropped",
            "errors");
    private static final String NONE = "-";
    /** Times reading from the server stopped because the exec queue was full, and whether it is stopped now. */
    private static final String READS_PAUSED = "reads_paused";
    private static final String READS_PAUSED_NOW = "reads_paused_now";

    public Map<String, String> toFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("pid", Long.toString(pid));
        f.put("version", version);
        f.put("started_at", status.startedAt().toString());
        f.put("servers", Integer.toString(status.servers().size()));
        for (int i = 0; i < status.servers().size(); i++) {
            ServerStatus s = status.servers().get(i);
            String p = "server." + i + ".";
            f.put(p + "address", s.address());
            f.put(p + "state", s.state());
            f.put(p + "connected_since", s.connectedSince().map(Instant::toString).orElse(NONE));
            f.put(p + "reconnects", Long.toString(s.reconnects()));
            f.put(p + "last_line_at", s.lastLineAt().map(Instant::toString).orElse(NONE));
            for (String counter : orderedCounters(s.counters())) {
                f.put(p + counter, Long.toString(s.counters().get(counter)));
            }
            f.put(p + READS_PAUSED, Long.toString(s.readPauses().count()));
            f.put(p + READS_PAUSED_NOW, s.readPauses().now() ? "yes" : "no");
            s.nats().ifPresent(n -> {
                f.put(p + "nats.url", n.connectedUrl().orElse(NONE));
                f.put(p + "nats.position", Long.toString(n.position()));
                f.put(p + "nats.catch_up_left", Long.toString(n.catchUpLeft()));
                f.put(p + "nats.catch_up_skipped", Long.toString(n.catchUpSkipped()));
            });
        }
        AgentStatus.Retries retries = status.retries();
        f.put("actions.failing", Integer.toString(retries.failing()));
        f.put("actions.retries", Long.toString(retries.retries()));
        f.put("actions.oldest_failing_at", retries.oldestFailing().map(Instant::toString).orElse(NONE));
        status.outbox().ifPresent(o -> {
            f.put("outbox.depth", Integer.toString(o.depth()));
            f.put("outbox.max", Integer.toString(o.max()));
            f.put("outbox.oldest_at", o.oldest().map(Instant::toString).orElse(NONE));
            f.put("outbox.accepted", Long.toString(o.accepted()));
            f.put("outbox.refused_full", Long.toString(o.refusedFull()));
            f.put("outbox.delivered", Long.toString(o.delivered()));
        });
        status.fleetBan().ifPresent(b -> {
            f.put("fleet_ban.tracked", Integer.toString(b.tracked()));
            f.put("fleet_ban.attempts", Long.toString(b.attempts()));
            f.put("fleet_ban.bans", Long.toString(b.bans()));
            f.put("fleet_ban.evicted", Long.toString(b.evicted()));
        });
        status.ledger().ifPresent(l -> {
            f.put("ledger.entries", Integer.toString(l.entries()));
            f.put("ledger.max", Integer.toString(l.max()));
            f.put("ledger.in_force", Integer.toString(l.inForce()));
            f.put("ledger.awaiting_action", Integer.toString(l.awaitingAction()));
            f.put("ledger.refused_full", Long.toString(l.refused()));
            f.put("ledger.write_failure", l.writeFailure().orElse(NONE));
            f.put("catch_up.requests_sent", Long.toString(l.requestsSent()));
            f.put("catch_up.requests_answered", Long.toString(l.requestsAnswered()));
            f.put("catch_up.reannounced", Long.toString(l.reannounced()));
            f.put("catch_up.recovered", Long.toString(l.recovered()));
        });
        status.nftables().ifPresent(n -> NftStatusText.fields(n, f));
        return f;
    }


    /** Known counters first, in their fixed order, then any the agent added since, by name. */
    private static List<String> orderedCounters(Map<String, Long> counters) {
        List<String> names = new ArrayList<>(COUNTERS.stream().filter(counters::containsKey).toList());
        counters.keySet().stream().filter(k -> !COUNTERS.contains(k)).sorted().forEach(names::add);
        return names;
    }

    /** @throws IllegalArgumentException when a field the report needs is missing or malformed */
    public static StatusReport fromFields(Map<String, String> f) {
        try {
            List<ServerStatus> servers = new ArrayList<>();
            int count = Integer.parseInt(required(f, "servers"));
            for (int i = 0; i < count; i++) {
                String p = "server." + i + ".";
                Map<String, Long> counters = new LinkedHashMap<>();
                f.forEach((k, v) -> {
                    String name = k.startsWith(p) ? k.substring(p.length()) : "";
                    if (!name.isEmpty() && !name.contains(".") && isCounter(name, v)) {
                        counters.put(name, Long.parseLong(v));
                    }
                });
                Optional<AgentStatus.NatsStatus> nats = Optional.empty();
                if (f.containsKey(p + "nats.position")) {
                    String url = required(f, p + "nats.url");
                    nats = Optional.of(new AgentStatus.NatsStatus(url.equals(NONE) ? Optional.empty() : Optional.of(url),
                            Long.parseLong(required(f, p + "nats.position")),
                            Long.parseLong(required(f, p + "nats.catch_up_left")),
                            Long.parseLong(required(f, p + "nats.catch_up_skipped"))));
                }
                // absent from an agent older than back-pressure
                AgentStatus.ReadPauses pauses = new AgentStatus.ReadPauses(
                        Long.parseLong(f.getOrDefault(p + READS_PAUSED, "0")), "yes".equals(f.get(p + READS_PAUSED_NOW)));
                servers.add(new ServerStatus(required(f, p + "address"), required(f, p + "state"),
                        instant(required(f, p + "connected_since")), Long.parseLong(required(f, p + "reconnects")),
                        instant(required(f, p + "last_line_at")), counters, nats, pauses));
            }
            Optional<OutboxStatus> outbox = !f.containsKey("outbox.depth") ? Optional.empty()
                    : Optional.of(new OutboxStatus(Integer.parseInt(f.get("outbox.depth")),
                            Integer.parseInt(required(f, "outbox.max")), instant(required(f, "outbox.oldest_at")),
                            Long.parseLong(required(f, "outbox.accepted")),
                            Long.parseLong(required(f, "outbox.refused_full")),
                            Long.parseLong(required(f, "outbox.delivered"))));
            Optional<FleetBanStatus> fleetBan = !f.containsKey("fleet_ban.tracked") ? Optional.empty()
                    : Optional.of(new FleetBanStatus(Integer.parseInt(f.get("fleet_ban.tracked")),
                            Long.parseLong(required(f, "fleet_ban.attempts")), Long.parseLong(required(f, "fleet_ban.bans")),
                            Long.parseLong(required(f, "fleet_ban.evicted"))));
            return new StatusReport(Long.parseLong(required(f, "pid")), f.getOrDefault("version", "?"),
                    new AgentStatus(Instant.parse(required(f, "started_at")), servers, outbox, ledger(f), fleetBan,
                            NftStatusText.parse(f), retries(f)));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("malformed status reply: " + e.getMessage(), e);
        }
    }

    /** Absent from an agent older than retries: none failing. */
    private static AgentStatus.Retries retries(Map<String, String> f) {
        if (!f.containsKey("actions.failing")) {
            return AgentStatus.Retries.NONE;
        }
        return new AgentStatus.Retries(Integer.parseInt(f.get("actions.failing")),
                Long.parseLong(required(f, "actions.retries")), instant(required(f, "actions.oldest_failing_at")));
    }

    private static Optional<LedgerSummary> ledger(Map<String, String> f) {
        if (!f.containsKey("ledger.entries")) {
            return Optional.empty();
        }
        String failure = required(f, "ledger.write_failure");
        return Optional.of(new LedgerSummary(Integer.parseInt(f.get("ledger.entries")),
                Integer.parseInt(required(f, "ledger.max")), Integer.parseInt(required(f, "ledger.in_force")),
                Integer.parseInt(required(f, "ledger.awaiting_action")), Long.parseLong(required(f, "ledger.refused_full")),
                failure.equals(NONE) ? Optional.empty() : Optional.of(failure),
                Long.parseLong(required(f, "catch_up.requests_sent")),
                Long.parseLong(required(f, "catch_up.requests_answered")),
                Long.parseLong(required(f, "catch_up.reannounced")), Long.parseLong(required(f, "catch_up.recovered"))));
    }

    private static boolean isCounter(String name, String value) {
        return !name.equals("reconnects") && !name.equals(READS_PAUSED) && !value.isEmpty()
                && value.chars().allMatch(Character::isDigit);
    }

    private static String required(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalArgumentException("status reply lacks " + key);
        }
        return v;
    }

    private static Optional<Instant> instant(String s) {
        return s.equals(NONE) ? Optional.empty() : Optional.of(Instant.parse(s));
    }

    /** The text {@code fail2ban-clusterd status} prints. */
    public String render() {
        return render(Instant.now());
    }

    /** As {@link #render()}, with the outbox's oldest entry's age as of {@code now}. */
    public String render(Instant now) {
        StringBuilder out = new StringBuilder();
        out.append("fail2ban-clusterd ").append(version).append(" running (pid ").append(pid)
                .append("), started ").append(status.startedAt()).append('\n');
        for (ServerStatus s : status.servers()) {
            out.append("server ").append(s.address()).append(": ").append(s.state()).append('\n');
            out.append("  connected since ").append(s.connectedSince().map(Instant::toString).orElse(NONE))
                    .append(", reconnects ").append(s.reconnects())
                    .append(", last line ").append(s.lastLineAt().map(Instant::toString).orElse(NONE)).append('\n');
            s.nats().ifPresent(n -> out.append("  via ").append(n.connectedUrl().orElse(NONE))
                    .append(", stream position ").append(n.position())
                    .append(", left to catch up ").append(n.catchUpLeft())
                    .append(", catch-up skipped ").append(n.catchUpSkipped()).append('\n'));
            List<String> parts = new ArrayList<>();
            for (String counter : orderedCounters(s.counters())) {
                parts.add(counter + " " + s.counters().get(counter));
            }
            out.append("  ").append(String.join(", ", parts)).append('\n');
            AgentStatus.ReadPauses pauses = s.readPauses();
            if (pauses.count() > 0) {
                out.append("  reads paused by back-pressure (exec queue full) ").append(pauses.count())
                        .append(pauses.count() == 1 ? " time" : " times")
                        .append(pauses.now() ? ", paused now" : ", reading now").append('\n');
            }
        }
        AgentStatus.Retries retries = status.retries();
        if (retries.failing() > 0 || retries.retries() > 0) {
            out.append("actions: ").append(retries.failing()).append(" failing now, retried with backoff");
            retries.oldestFailing().ifPresent(at -> out.append(", the oldest since ").append(at).append(" (")
                    .append(Math.max(0, Duration.between(at, now).toSeconds())).append(" s)"));
            out.append("; retries ").append(retries.retries()).append('\n');
        }
        status.outbox().ifPresent(o -> {
            out.append("outbox: ").append(o.depth()).append(" waiting (max ").append(o.max()).append(')');
            o.oldest().ifPresent(at -> out.append(", oldest handed over ").append(at).append(" (")
                    .append(Math.max(0, Duration.between(at, now).toSeconds())).append(" s ago)"));
            out.append('\n').append("  accepted ").append(o.accepted()).append(", refused (full) ")
                    .append(o.refusedFull()).append(", delivered ").append(o.delivered()).append('\n');
        });
        status.fleetBan().ifPresent(b -> out.append("fleet_ban: ").append(b.tracked()).append(" address(es) tracked, ")
                .append(b.attempts()).append(" attempts counted, ").append(b.bans()).append(" fleet bans, ")
                .append(b.evicted()).append(" evicted\n"));
        status.ledger().ifPresent(l -> {
            out.append("ledger: ").append(l.entries()).append(" entries (max ").append(l.max()).append("), ")
                    .append(l.inForce()).append(" bans in force, ").append(l.awaitingAction())
                    .append(" awaiting their action, refused (full) ").append(l.refused()).append('\n');
            l.writeFailure().ifPresent(why -> out.append("  NOT WRITTEN: ").append(why).append('\n'));
            out.append("  catch-up: requests sent ").append(l.requestsSent()).append(", answered ")
                    .append(l.requestsAnswered()).append(", announced again ").append(l.reannounced())
                    .append(", recovered ").append(l.recovered()).append('\n');
        });
        status.nftables().ifPresent(n -> NftStatusText.render(n, out));
        return out.toString();
    }
}
