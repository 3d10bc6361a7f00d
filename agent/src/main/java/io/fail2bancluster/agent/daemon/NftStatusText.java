package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.status.NftStatus;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The nftables part of {@link StatusReport}: its {@code nft.*} fields, read back, and its lines for a person. */
final class NftStatusText {
    private NftStatusText() {
    }

    static void fields(NftStatus n, Map<String, String> f) {
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
    }

    static Optional<NftStatus> parse(Map<String, String> f) {
        if (!f.containsKey("nft.table")) {
            return Optional.empty();
        }
        Map<String, Integer> sets = new TreeMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith("nft.set.")) {
                sets.put(k.substring("nft.set.".length()), Integer.parseInt(v));
            }
        });
        return Optional.of(new NftStatus(f.get("nft.table"), sets, number(f, "nft.batches"), number(f, "nft.applied"),
                number(f, "nft.failed"), number(f, "nft.dropped"), number(f, "nft.repairs"),
                number(f, "nft.last_apply_us"), number(f, "nft.max_apply_us"), (int) number(f, "nft.queued")));
    }

    private static long number(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalArgumentException("status reply lacks " + key);
        }
        return Long.parseLong(v);
    }

    static void render(NftStatus n, StringBuilder out) {
        out.append("nftables: table ").append(n.table()).append(", ").append(n.queued()).append(" queued\n  ");
        out.append(n.elements().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "))).append('\n');
        out.append("  batches ").append(n.batches()).append(", applied ").append(n.applied()).append(", failed ")
                .append(n.failed()).append(", dropped ").append(n.dropped()).append(", repairs ").append(n.repairs())
                .append(", last apply ").append(n.lastApplyMicros()).append(" us, max ").append(n.maxApplyMicros())
                .append(" us\n");
    }
}
