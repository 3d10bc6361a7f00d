package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.status.AgentStatus.ServerStatus;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.NftStatus;
import io.fail2bancluster.agent.status.OutboxStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

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
            s.nats().ifPresent(n -> {
                f.put(p + "nats.url", n.connectedUrl().orElse(NONE));
                f.put(p + "nats.position", Long.toString(n.position()));
                f.put(p + "nats.catch_up_left", Long.toString(n.catchUpLeft()));
                f.put(p + "nats.catch_up_skipped", Long.toString(n.catchUpSkipped()));
            });
        }
        status.outbox().ifPresent(o -> {
            f.put("outbox.depth", Integer.toString(o.depth()));
            f.put("outbox.max", Integer.toString(o.max()));
            f.put("outbox.oldest_at", o.oldest().map(Instant::toString).orElse(NONE));
            f.put("outbox.accepted", Long.toString(o.accepted()));
            f.put("outbox.refused_full", Long.toString(o.refusedFull()));
            f.put("outbox.delivered", Long.toString(o.delivered()));
        });
        status.nftables().ifPresent(n -> {
            f.put("nft.table", n.table());
            n.elements().forEach((set, count) -> f.put("nft.set." + set, Integer.toString(count)));
            f.put("nft.batches", Long.toString(n.batches()));
            f.put("nft.applied", Long.toString(n.applied()));
            f.put("nft.failed", Long.toString(n.failed()));
            f.put("nft.dropped", Long.toString(n.dropped()));
            f.put("nft.repairs", Long.toString(n.repairs()));
            f.put("nft.last_apply_us", Long.toString(n.lastApplyMicros()));
            f.put("nft.max_apply_us", Long.toString(n.maxApplyMicros()));
            f.put("nft.queued", Integer.toString(n.queued()));
        });
        return f;
    }

    private static Optional<NftStatus> nftables(Map<String, String> f) {
        if (!f.containsKey("nft.table")) {
            return Optional.empty();
        }
        Map<String, Integer> sets = new TreeMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith("nft.set.")) {
                sets.put(k.substring("nft.set.".length()), Integer.parseInt(v));
            }
        });
        return Optional.of(new NftStatus(f.get("nft.table"), sets, Long.parseLong(required(f, "nft.batches")),
                Long.parseLong(required(f, "nft.applied")), Long.parseLong(required(f, "nft.failed")),
                Long.parseLong(required(f, "nft.dropped")), Long.parseLong(required(f, "nft.repairs")),
                Long.parseLong(required(f, "nft.last_apply_us")), Long.parseLong(required(f, "nft.max_apply_us")),
                Integer.parseInt(required(f, "nft.queued"))));
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
                servers.add(new ServerStatus(required(f, p + "address"), required(f, p + "state"),
                        instant(required(f, p + "connected_since")), Long.parseLong(required(f, p + "reconnects")),
                        instant(required(f, p + "last_line_at")), counters, nats));
            }
            Optional<OutboxStatus> outbox = !f.containsKey("outbox.depth") ? Optional.empty()
                    : Optional.of(new OutboxStatus(Integer.parseInt(f.get("outbox.depth")),
                            Integer.parseInt(required(f, "outbox.max")), instant(required(f, "outbox.oldest_at")),
                            Long.parseLong(required(f, "outbox.accepted")),
                            Long.parseLong(required(f, "outbox.refused_full")),
                            Long.parseLong(required(f, "outbox.delivered"))));
            return new StatusReport(Long.parseLong(required(f, "pid")), f.getOrDefault("version", "?"),
                    new AgentStatus(Instant.parse(required(f, "started_at")), servers, outbox, nftables(f)));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("malformed status reply: " + e.getMessage(), e);
        }
    }

    private static boolean isCounter(String name, String value) {
        return !name.equals("reconnects") && !value.isEmpty() && value.chars().allMatch(Character::isDigit);
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
        }
        status.outbox().ifPresent(o -> {
            out.append("outbox: ").append(o.depth()).append(" waiting (max ").append(o.max()).append(')');
            o.oldest().ifPresent(at -> out.append(", oldest handed over ").append(at).append(" (")
                    .append(Math.max(0, Duration.between(at, now).toSeconds())).append(" s ago)"));
            out.append('\n').append("  accepted ").append(o.accepted()).append(", refused (full) ")
                    .append(o.refusedFull()).append(", delivered ").append(o.delivered()).append('\n');
        });
        status.nftables().ifPresent(n -> {
            out.append("nftables: table ").append(n.table()).append(", ").append(n.queued()).append(" queued\n  ");
            out.append(n.elements().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(java.util.stream.Collectors.joining(", "))).append('\n');
            out.append("  batches ").append(n.batches()).append(", applied ").append(n.applied()).append(", failed ")
                    .append(n.failed()).append(", dropped ").append(n.dropped()).append(", repairs ").append(n.repairs())
                    .append(", last apply ").append(n.lastApplyMicros()).append(" us, max ").append(n.maxApplyMicros())
                    .append(" us\n");
        });
        return out.toString();
    }
}
