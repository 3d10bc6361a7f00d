package io.fail2bancluster.bench;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.harness.LoadTest;
import io.fail2bancluster.harness.NatsServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fleet latency: the load harness (300 agents on one event loop, bans published at 200/s through the
 * client's publish code, recording executor) against our broker and, as the baseline, against
 * {@link RawFanout}, each server in its own process with the broker launcher's JVM flags. Prints the
 * publish-to-exec percentiles after the harness' warm-up; the baseline tells what the harness, the
 * agents and this machine cost with the least server there can be. A third run puts the same fleet on NATS
 * JetStream (a private nats-server -js, each host its own ordered consumer, bans stored in the stream and
 * published on its acknowledgement), the durable alternative to the broker, beside the broker's figures; its
 * baseline, NATS itself, is {@link BareNatsFleet}: the same publishes and recorder with each agent replaced by a
 * bare jnats ordered consumer on its own connection. Each row also prints its process's threads, where its CPU
 * went (by thread name) and the load average as it ended: 300 jnats connections are some 2,400 threads in one JVM.
 */
public final class FleetBench {
    /** The broker launcher's defaults (dist/src/lib/launcher.sh), for both servers. */
    static final List<String> SERVER_JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-Xss512k");
    /** The load test launcher's heap on the launcher's defaults. */
    private static final List<String> HARNESS_JVM = List.of("-Xmx512m", "-XX:+UseSerialGC", "-Xss512k");
    private static final int HOSTS = 300;
    private static final int RATE = 200;

    private FleetBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        int seconds = quick ? 10 : 60;
        int warmup = quick ? 5 : 10;
        // the NATS fleet falls behind on 2 cores (the publisher with it) and then takes minutes to drain 60 s
        int natsSeconds = quick ? 10 : 30;
        Bench.header(String.format("fleet: %d agents on one loop, 1 server, %d bans/s for %d s (NATS rows %d s) after "
                + "%d s warm-up, publish-to-exec (recording executor)", HOSTS, RATE, seconds, natsSeconds, warmup));
        try (Child broker = new Child(SERVER_JVM, BrokerMain.class.getName(), "--bind=127.0.0.1", "--port=0");
             Child raw = new Child(SERVER_JVM, RawFanout.class.getName())) {
            int brokerPort = Child.portOf(broker.await("listening on", 60));
            int rawPort = Child.portOf(raw.await("listening on", 60));
            Figures ours = loadTest(seconds, warmup, "--server", "127.0.0.1:" + brokerPort);
            Figures baseline = loadTest(seconds, warmup, "--server", "127.0.0.1:" + rawPort);
            boolean onNats = NatsServerProcess.binary().isPresent();
            Figures nats = onNats ? loadTest(natsSeconds, warmup, "--nats") : null;
            Figures bare = onNats ? run(natsSeconds, warmup, BareNatsFleet.class.getName(), String.valueOf(HOSTS),
                    String.valueOf(RATE), String.valueOf(natsSeconds * RATE), String.valueOf(warmup)) : null;
            Bench.line("broker", "%s", ours);
            Bench.line("raw fan-out (baseline)", "%s", baseline);
            Bench.line("p99, broker vs raw fan-out", "%.2f ms vs %.2f ms: %.2fx baseline; target < 20 ms",
                    ours.p99, baseline.p99, ours.p99 / baseline.p99);
            if (nats == null) {
                Bench.line("NATS JetStream", "skipped: no nats-server (apt-get install nats-server)");
            } else {
                Bench.line("NATS JetStream, the agents", "%s", nats);
                Bench.line("NATS, bare jnats ordered consumers (baseline)", "%s", bare);
                Bench.line("p50 / p99, agents vs bare jnats", "%.2f / %.2f ms vs %.2f / %.2f ms: %.2fx / %.2fx baseline",
                        nats.p50, nats.p99, bare.p50, bare.p99, nats.p50 / bare.p50, nats.p99 / bare.p99);
                Bench.line("p50 / p99, NATS agents vs broker", "%.2fx / %.2fx the broker's", nats.p50 / ours.p50,
                        nats.p99 / ours.p99);
            }
        }
    }

    /**
     * Percentiles in ms; the publish rate reached (below the rate asked when the publisher's acknowledged publishes
     * could not keep up); the fleet process's threads, where its CPU went over the first seconds of the measured
     * window ({@link ThreadCpu}), and the 1-minute load average when it ended.
     */
    private record Figures(boolean exact, double p50, double p90, double p99, double max, double publishRate,
            long threads, String cpu, String load) {
        @Override
        public String toString() {
            return String.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%s; published %.0f/s, %,d threads, "
                    + "load %s%n  %-44s %s", p50, p90, p99, max, exact ? "" : " (COUNTS DID NOT MATCH)", publishRate,
                    threads, load, "", "CPU " + cpu);
        }
    }

    private static Figures loadTest(int seconds, int warmup, String... servers) throws Exception {
        List<String> args = new ArrayList<>(List.of(servers));
        args.addAll(List.of("--hosts", String.valueOf(HOSTS), "--rate", String.valueOf(RATE), "--bans",
                String.valueOf(seconds * RATE), "--warmup", String.valueOf(warmup), "--json"));
        return run(seconds, warmup, LoadTest.class.getName(), args.toArray(String[]::new));
    }

    /**
     * Runs a fleet process to its JSON report line; once it says it warmed up, counts its threads and samples
     * its CPU by thread for the first half of the window (10 s at most).
     */
    private static Figures run(int seconds, int warmup, String main, String... args) throws Exception {
        try (Child load = new Child(HARNESS_JVM, main, args)) {
            load.await("warmed up", warmup + 180);
            ThreadCpu.Sample before = ThreadCpu.sample(load.pid());
            Thread.sleep(Math.min(10, seconds / 2) * 1000L);
            ThreadCpu.Sample after = ThreadCpu.sample(load.pid());
            long threads = MemoryBench.procStatus(load.pid(), "Threads");
            // a publisher that fell to a quarter of the rate, then the backlog to drain
            String json = load.await("\"p99_ms\"", seconds * 4 + 180);
            String load1 = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            return new Figures(json.contains("\"ok\":true"), field(json, "p50_ms"), field(json, "p90_ms"),
                    field(json, "p99_ms"), field(json, "max_ms"), field(json, "publish_rate"), threads,
                    ThreadCpu.between(before, after, 3), load1);
        }
    }

    private static double field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }
}
