package io.fail2bancluster.harness;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a load run measured. {@code expected_received} counts one copy per host for every server that
 * accepted a ban (bans x hosts x servers when every publish succeeded); {@code expected_executed} one run
 * per host for every ban at least one server accepted. Every figure leaves out the {@code warmupBans}
 * published before measuring began.
 */
public record LoadReport(int hosts, int servers, int warmupBans, int bans, long published, long publishFailures,
        long expectedReceived, long received, long expectedExecuted, long executed, long duplicates,
        long failed, long dropped, long unreadable, long reconnects, double publishSeconds, double totalSeconds,
        double p50Ms, double p90Ms, double p99Ms, double maxMs, String firstFailure, OutageRun.Result outage) {

    /** A run without {@code --restart-broker}. */
    public LoadReport(int hosts, int servers, int warmupBans, int bans, long published, long publishFailures,
                      long expectedReceived, long received, long expectedExecuted, long executed, long duplicates,
                      long failed, long dropped, long unreadable, long reconnects, double publishSeconds,
                      double totalSeconds, double p50Ms, double p90Ms, double p99Ms, double maxMs, String firstFailure) {
        this(hosts, servers, warmupBans, bans, published, publishFailures, expectedReceived, received, expectedExecuted,
                executed, duplicates, failed, dropped, unreadable, reconnects, publishSeconds, totalSeconds, p50Ms, p90Ms,
                p99Ms, maxMs, firstFailure, null);
    }

    LoadReport withOutage(OutageRun.Result result) {
        return new LoadReport(hosts, servers, warmupBans, bans, published, publishFailures, expectedReceived, received,
                expectedExecuted, executed, duplicates, failed, dropped, unreadable, reconnects, publishSeconds,
                totalSeconds, p50Ms, p90Ms, p99Ms, maxMs, firstFailure, result);
    }

    /** Every count as expected: the run proves delivery, whatever its speed. */
    boolean countsMatch() {
        return published == bans && received == expectedReceived && executed == expectedExecuted
                && duplicates == 0 && unreadable == 0 && (outage == null || outage.countsMatch());
    }

    double deliveriesPerSecond() {
        return totalSeconds > 0 ? received / totalSeconds : 0;
    }

    double executionsPerSecond() {
        return totalSeconds > 0 ? executed / totalSeconds : 0;
    }

    Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("hosts", hosts);
        f.put("servers", servers);
        f.put("warmup_bans", warmupBans);
        f.put("bans", bans);
        f.put("published", published);
        f.put("publish_failures", publishFailures);
        f.put("expected_received", expectedReceived);
        f.put("received", received);
        f.put("expected_executed", expectedExecuted);
        f.put("executed", executed);
        f.put("duplicates", duplicates);
        f.put("failed", failed);
        f.put("dropped", dropped);
        f.put("unreadable", unreadable);
        f.put("reconnects", reconnects);
        f.put("publish_s", round(publishSeconds));
        f.put("total_s", round(totalSeconds));
        f.put("publish_rate", round(publishSeconds > 0 ? published / publishSeconds : 0));
        f.put("deliveries_per_s", round(deliveriesPerSecond()));
        f.put("executions_per_s", round(executionsPerSecond()));
        f.put("p50_ms", round(p50Ms));
        f.put("p90_ms", round(p90Ms));
        f.put("p99_ms", round(p99Ms));
        f.put("max_ms", round(maxMs));
        if (outage != null) {
            f.put("outage_bans", outage.bans());
            f.put("outage_executed", outage.executions());
            f.put("outage_expected", outage.expected());
            f.put("outage_duplicates", outage.duplicates());
            f.put("catch_up_requests", outage.requests());
            f.put("catch_up_reannounced", outage.answers());
            f.put("catch_up_recovered", outage.recovered());
        }
        f.put("ok", countsMatch());
        return f;
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("hosts %d, servers %d, bans %d (after %d warm-up bans, not counted)%n",
                hosts, servers, bans, warmupBans));
        out.append(String.format("published          %,d of %,d (%,d failed publishes)%n", published, bans, publishFailures));
        out.append(String.format("received           %,d of %,d expected%n", received, expectedReceived));
        out.append(String.format("executed           %,d of %,d expected, %d duplicates, %d failed, %d dropped%n",
                executed, expectedExecuted, duplicates, failed, dropped));
        out.append(String.format("publish-to-exec    p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                p50Ms, p90Ms, p99Ms, maxMs));
        out.append(String.format("throughput         %,.0f deliveries/s, %,.0f executions/s over %.1f s (publishing took %.1f s)%n",
                deliveriesPerSecond(), executionsPerSecond(), totalSeconds, publishSeconds));
        out.append(String.format("reconnects         %d%n", reconnects));
        if (firstFailure != null) {
            out.append("first failed publish: ").append(firstFailure).append('\n');
        }
        if (outage != null) {
            out.append(outage.text());
        }
        out.append(countsMatch() ? "OK: every ban ran exactly once on every host\n" : "FAILED: the counts do not match\n");
        return out.toString();
    }

    public String json() {
        return fields().entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
