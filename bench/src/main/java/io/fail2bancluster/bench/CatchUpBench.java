package io.fail2bancluster.bench;

import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.harness.NatsServerProcess;
import io.fail2bancluster.nats.BanSubjects;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.nats.StreamSetup;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Catch-up: a fresh agent (an empty {@code state_dir}) facing a stream of N distinct active bans, the way a
 * host installed on Monday meets the fleet's bans. A private one-node {@code nats-server -js} holds them in
 * the stream our client writes (same stream, subjects and message ids); the agent ({@link CatchUpAgent}, the
 * real {@code Agent} with a runner that only counts) and the baseline ({@link BareOrderedConsumer}, jnats's
 * ordered consumer reading the whole stream and doing nothing with it) each run in a process of their own on
 * the agent launcher's JVM flags, timed from just before they connect until the last ban ran (arrived).
 * Runs alternate; medians are printed.
 */
public final class CatchUpBench {
    static final Duration NATS_READY = Duration.ofSeconds(30);
    static final String CHANNEL = "Fail2ban";
    private static final Pattern REPORT = Pattern.compile(
            "caught up (\\d+) in ([0-9.]+) ms, the first after ([0-9.]+) ms; VmRSS (\\d+) KiB; live heap (\\d+) KiB");
    private static final int GIVE_UP_SECONDS = 600;
    /** Publishes waiting for their acknowledgement at most. */
    private static final int PUBLISH_WINDOW = 1000;

    private CatchUpBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        int bans = quick ? 2000 : 10_000;
        int runs = quick ? 3 : 5;
        if (!NatsServerProcess.binary().isPresent()) {
            System.out.println("catch-up: skipped, no nats-server (apt-get install nats-server)");
            return;
        }
        Bench.header(String.format("catch-up: a fresh agent facing %,d active bans in a one-node JetStream stream, "
                + "recording executor, median of %d, JVM %s", bans, runs, String.join(" ", MemoryBench.LAUNCHER_JVM)));
        Path dir = Files.createTempDirectory("f2bc-catchupbench");
        try (NatsServerProcess nats = NatsServerProcess.start(NATS_READY)) {
            double published = publish(nats.url(), bans);
            Bench.line("published (async, each acknowledged)", "%,d bans in %.2f s", bans, published);
            List<Report> baseline = new ArrayList<>();
            List<Report> ours = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                baseline.add(run(bans, BareOrderedConsumer.class.getName(), nats.url(), NatsServerConfig.DEFAULT_STREAM,
                        String.valueOf(bans)));
                Path config = Files.writeString(dir.resolve("agent-" + run + ".yml"), agentConfig(nats.url(),
                        Files.createDirectories(dir.resolve("state-" + run)), "/bin/true %jail% %action% %ip%", 1));
                ours.add(run(bans, CatchUpAgent.class.getName(), config.toString(), String.valueOf(bans)));
            }
            Report base = Report.median(baseline);
            Report agent = Report.median(ours);
            Bench.line("jnats ordered consumer (baseline)", base.toString());
            Bench.line("fresh agent, every ban run", agent.toString());
            Bench.line("agent vs baseline", "whole catch-up " + Bench.ratio(agent.millis, base.millis)
                    + "; after the first message " + Bench.ratio(agent.restMillis, base.restMillis));
            Report fanout = Report.median(FanoutCatchUpRow.run(bans, runs, dir));
            Bench.line("fresh agent over fanout, answered by the fleet (one holder)", fanout.toString());
            Bench.line("fanout vs NATS catch-up", "whole catch-up " + Bench.ratio(fanout.millis, agent.millis));
        } finally {
            Bench.deleteTree(dir);
        }
    }

    /**
     * The catch-up state a host without state has: every ban still in force runs once; filters as usual.
     * {@code action} is the channel's, {@code batch} its batch (1: off, the default).
     */
    static String agentConfig(String url, Path stateDir, String action, int batch) {
        return """
                state_dir: %s
                servers:
                  - nats: [%s]
                %slog_level: 1
                """.formatted(stateDir, url, channels(action, batch));
    }

    /**
     * A server entry's channels, the same on every row (NATS and fanout alike): the one channel, {@code action}
     * with {@code batch}, filtered to sshd's bans, so the rows differ only in their transport.
     */
    static String channels(String action, int batch) {
        return """
                    channels:
                      - name: %s
                        action: "%s"
                        batch: %d
                        filter:
                          - key: jail
                            values: [sshd]
                          - key: action
                            values: [banip]
                """.formatted(CHANNEL, action, batch);
    }

    /**
     * {@code bans} distinct bans as fail2ban's action words them, one subject (ban key) each, through jnats's
     * async publish with our stream, subjects and message ids; returns the seconds it took.
     */
    static double publish(String url, int bans) throws Exception {
        StreamSpec spec = new StreamSpec(NatsServerConfig.DEFAULT_STREAM, NatsServerConfig.DEFAULT_RETENTION,
                OptionalInt.empty());
        SecureRandom random = new SecureRandom();
        long start = System.nanoTime();
        try (Connection connection = Nats.connect(url)) {
            StreamSetup.ensure(connection, spec, Duration.ofSeconds(10));
            JetStream js = connection.jetStream();
            List<CompletableFuture<PublishAck>> pending = new ArrayList<>();
            for (int i = 0; i < bans; i++) {
                String message = ban(i);
                PublishOptions options = PublishOptions.builder().expectedStream(spec.name())
                        .messageId(MessageIds.of(CHANNEL, message, MessageIds.newNonce(random))).build();
                pending.add(js.publishAsync(BanSubjects.subject(spec.name(), CHANNEL, message), null,
                        message.getBytes(StandardCharsets.UTF_8), options));
                if (pending.size() == PUBLISH_WINDOW) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
            long stored = connection.jetStreamManagement().getStreamInfo(spec.name()).getStreamState().getMsgCount();
            if (stored != bans) {
                throw new IllegalStateException("the stream holds " + stored + " messages, not " + bans);
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static String ban(int i) {
        return "jail=sshd, action=banip, ip=" + address(i) + ", bantime=3600";
    }

    /** The address of ban {@code i}: 10.0.0.0 on, one each. */
    static String address(int i) {
        return "10." + (i >> 16 & 255) + '.' + (i >> 8 & 255) + '.' + (i & 255);
    }

    static Report run(int bans, String main, String... args) throws Exception {
        try (Child child = new Child(MemoryBench.LAUNCHER_JVM, main, args)) {
            Matcher m = REPORT.matcher(child.await("caught up ", GIVE_UP_SECONDS));
            if (!m.find() || Integer.parseInt(m.group(1)) != bans) {
                throw new IllegalStateException(main + ": " + m.group());
            }
            return new Report(Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), bans,
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
        }
    }

    /**
     * The line a catch-up process prints once it has all {@code count} (the bench reads it): the time since it
     * started connecting, and to the first of them (connecting, subscribing, the first pull), its VmRSS then,
     * and its heap after a full GC.
     */
    static void report(int count, long startNanos, long firstNanos) throws IOException {
        double millis = (System.nanoTime() - startNanos) / 1e6;
        double first = (firstNanos - startNanos) / 1e6;
        long rss = MemoryBench.rssKib(ProcessHandle.current().pid());
        System.gc();
        long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        System.out.printf("caught up %d in %.1f ms, the first after %.1f ms; VmRSS %d KiB; live heap %d KiB%n", count,
                millis, first, rss, live);
        System.out.flush();
    }

    /** One run, or the medians of several (each figure on its own). */
    record Report(double millis, double firstMillis, double restMillis, int bans, long rssKib, long heapKib) {
        Report(double millis, double firstMillis, int bans, long rssKib, long heapKib) {
            this(millis, firstMillis, millis - firstMillis, bans, rssKib, heapKib);
        }

        static Report median(List<Report> reports) {
            return new Report(median(reports, Report::millis), median(reports, Report::firstMillis),
                    median(reports, Report::restMillis), reports.get(0).bans,
                    Math.round(median(reports, r -> r.rssKib)), Math.round(median(reports, r -> r.heapKib)));
        }

        private static double median(List<Report> reports, ToDoubleFunction<Report> figure) {
            return Bench.median(reports.stream().map(figure::applyAsDouble).toList());
        }

        @Override
        public String toString() {
            return String.format("%6.0f ms %,7.0f msg/s (first at %4.0f ms, then %,7.0f msg/s)  VmRSS %3.0f MiB, "
                    + "live heap %4.1f MiB", millis, bans / (millis / 1000), firstMillis,
                    (bans - 1) / (restMillis / 1000), rssKib / 1024.0, heapKib / 1024.0);
        }
    }
}
