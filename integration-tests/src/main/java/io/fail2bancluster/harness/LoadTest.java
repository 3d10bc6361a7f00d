package io.fail2bancluster.harness;

import io.fail2bancluster.agent.daemon.Logging;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.ProcessActionRunner;
import io.fail2bancluster.client.FanoutDestination;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * {@code fail2ban-cluster-loadtest}: a fleet of agents in one JVM against S brokers (each its own
 * process, or the {@code --server}s given) or one NATS JetStream cluster ({@code --nats}: a nats-server of
 * its own, or {@code --nats-url}), fed B bans at R per second through the client's publish code; reports whether every ban ran exactly once on every host, and how fast. Progress on stderr, the
 * report on stdout ({@code --json}: one JSON object as the last line). Exit status 0 when every count
 * matches, 1 when not, 2 for a usage error.
 */
public final class LoadTest {
    private static final Duration BROKER_START = Duration.ofSeconds(30);
    private static final Duration CONNECT_WITHIN = Duration.ofSeconds(60);
    private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

    private final LoadOptions options;
    private final PrintStream err;
    private final long startNanos = System.nanoTime();

    private LoadTest(LoadOptions options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(LoadOptions.NAME + ": " + e.getMessage());
            err.println("Try '" + LoadOptions.NAME + " --help' for more information.");
            return 2;
        }
        if (options.help) {
            out.print(LoadOptions.usage());
            return 0;
        }
        Logging.configure(new Logging.Settings(1, Optional.empty(), true));
        LoadReport report = new LoadTest(options, err).execute();
        out.print(report.text());
        if (options.json()) {
            out.println(report.json());
        }
        out.flush();
        return report.countsMatch() ? 0 : 1;
    }

    private LoadReport execute() throws InterruptedException {
        List<BrokerProcess> brokers = new ArrayList<>();
        NatsServerProcess natsServer = null;
        Path stateDirs = null;
        BanSink sink = null;
        ProcessActionRunner real = options.realExec()
                ? ProcessActionRunner.start(4, options.bans * options.hosts, Duration.ofSeconds(30)) : null;
        try {
            String program = real != null ? "/bin/true" : "record";
            IntFunction<String> configs;
            if (options.onNats()) {
                String urls = options.natsUrl;
                if (urls == null) {
                    natsServer = NatsServerProcess.start(BROKER_START);
                    urls = natsServer.url();
                    progress("nats-server -js listening on %s (pid %d)", urls, natsServer.pid());
                }
                Path dirs = stateDirs = createStateDirs();
                String cluster = urls;
                configs = host -> Fleet.natsConfig(cluster, options.channel, program, dirs.resolve("host-" + host),
                        options.fleetBan());
                sink = new NatsSink(urls);
            } else {
                List<FanoutDestination> targets = options.targets();
                if (targets.isEmpty()) {
                    for (int i = 0; i < options.servers; i++) {
                        BrokerProcess broker = BrokerProcess.start(BROKER_START);
                        brokers.add(broker);
                        targets.add(new FanoutDestination("127.0.0.1", broker.port()));
                        progress("broker %d listening on 127.0.0.1:%d (pid %d)", i + 1, broker.port(), broker.pid());
                    }
                }
                if (restarts()) {
                    Path dirs = stateDirs = createStateDirs();
                    configs = host -> Fleet.statefulConfig(targets, options.channel, program,
                            dirs.resolve("host-" + host), host);
                } else {
                    configs = host -> Fleet.config(targets, options.channel, program, options.fleetBan());
                }
                sink = new FanoutSink(targets);
            }
            ExecutionRecorder recorder = new ExecutionRecorder(options.hosts, options.bansFor(options.bans),
                    options.bansFor(options.bans + options.warmupBans()) + (restarts() ? options.outageBans : 0));
            try (Fleet fleet = new Fleet(options.hosts, configs, host -> new RecordingRunner(host, recorder, real),
                    restarts())) {
                awaitConnected(fleet, options.hosts * sink.servers());
                if (restarts()) {
                    // fresh hosts ask the fleet for everything on connecting: let those rounds end first
                    Thread.sleep(6000);
                }
                Fleet.Counts baseline = warmUp(fleet, sink, recorder);
                LoadReport report = measure(fleet, sink, recorder, brokers, baseline);
                if (!restarts()) {
                    return report;
                }
                OutageRun.Result outage = OutageRun.run(fleet, brokers.get(0), brokers::add, recorder, options,
                        options.bans + options.warmupBans(), line -> progress("%s", line));
                return report.withOutage(outage);
            }
        } finally {
            if (real != null) {
                real.shutdown(Duration.ofSeconds(5)).join();
            }
            if (sink != null) {
                sink.close();
            }
            brokers.forEach(BrokerProcess::close);
            if (natsServer != null) {
                natsServer.close();
            }
            deleteQuietly(stateDirs);
        }
    }

    private boolean restarts() {
        return options.restartBrokerSeconds > 0;
    }

    /** Where the NATS run's hosts keep their stream positions, one folder each; removed after the run. */
    private static Path createStateDirs() {
        try {
            return Files.createTempDirectory("f2bc-loadtest-state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }

    private void awaitConnected(Fleet fleet, int connections) throws InterruptedException {
        long deadline = System.nanoTime() + CONNECT_WITHIN.toNanos();
        int connected;
        while ((connected = fleet.counts().connected()) < connections) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("only " + connected + " of " + connections
                        + " connections came up within " + CONNECT_WITHIN.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
        progress("%d agents connected to %d server(s): %d connections", fleet.hosts(), connections / fleet.hosts(),
                connections);
    }

    /**
     * The same load as the run, for {@code --warmup} seconds, with ban ids after the measured ones. A
     * fresh JVM runs the delivery path interpreted until the JIT has compiled it, and its first young
     * collections copy every agent's start-up state: measured, those first seconds would be the p99 of a
     * short run.
     *
     * @return the fleet's counters once every warm-up ban ran: the report counts from there
     */
    private Fleet.Counts warmUp(Fleet fleet, BanSink sink, ExecutionRecorder recorder) throws InterruptedException {
        int bans = options.warmupBans();
        if (bans == 0) {
            return fleet.counts();
        }
        progress("warming up: %d bans over %d s, not counted", bans, options.warmupSeconds);
        BanPublisher publisher = publisher(sink);
        Thread publishing = pacer(publisher, options.bans, bans);
        long expected = (long) options.bansFor(bans) * fleet.hosts();
        long lastCount = -1;
        long lastChange = System.nanoTime();
        while (publishing.isAlive() || recorder.warmupExecutions() < expected) {
            Thread.sleep(100);
            long count = recorder.warmupExecutions();
            if (count != lastCount) {
                lastCount = count;
                lastChange = System.nanoTime();
            } else if (!publishing.isAlive() && System.nanoTime() - lastChange > options.settleSeconds * 1_000_000_000L) {
                progress("warm-up: only %d of %d executions arrived; measuring anyway", count, expected);
                break;
            }
        }
        // the other servers' copies of the last warm-up bans, which dedupe absorbs, may still be on their way:
        // the report must not count them as the run's
        long copies = (long) bans * fleet.hosts() * sink.servers();
        long settleBy = System.nanoTime() + options.settleSeconds * 1_000_000_000L;
        while (fleet.counts().received() < copies && System.nanoTime() - settleBy < 0) {
            Thread.sleep(20);
        }
        progress("warmed up: %d executions", recorder.warmupExecutions());
        return fleet.counts();
    }

    /** Bans, or with --attempts the hosts' reports. */
    private BanPublisher publisher(BanSink sink) {
        return options.attempts() ? new BanPublisher(sink, options.channel, options.rate, options::attempt)
                : new BanPublisher(sink, options.channel, options.rate);
    }

    private Thread pacer(BanPublisher publisher, int firstId, int bans) {
        Thread publishing = new Thread(() -> {
            try {
                publisher.publish(firstId, bans, options.rate);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "loadtest-pacer");
        publishing.start();
        return publishing;
    }

    private LoadReport measure(Fleet fleet, BanSink sink, ExecutionRecorder recorder,
            List<BrokerProcess> brokers, Fleet.Counts baseline) throws InterruptedException {
        BanPublisher publisher = publisher(sink);
        long publishStart = System.nanoTime();
        Thread publishing = pacer(publisher, 0, options.bans);
        long publishEnd = 0;
        Fleet.Counts counts = fleet.counts().minus(baseline);
        long lastChange = System.nanoTime();
        long lastProgress = 0;
        while (true) {
            Thread.sleep(100);
            long now = System.nanoTime();
            if (publishEnd == 0 && !publishing.isAlive()) {
                publishEnd = now;
            }
            Fleet.Counts next = fleet.counts().minus(baseline);
            if (!next.equals(counts)) {
                lastChange = now;
                counts = next;
            }
            long expectedReceived = publisher.accepted() * fleet.hosts();
            long expectedExecuted = (long) options.bansFor(publisher.done()) * fleet.hosts();
            boolean complete = publishEnd != 0 && counts.received() >= expectedReceived
                    && counts.executed() + counts.failed() + counts.dropped() >= expectedExecuted;
            if (now - lastProgress >= PROGRESS_EVERY_NANOS || complete) {
                lastProgress = now;
                progress("published %d/%d, received %d/%d, executed %d, reconnects %d", publisher.done(),
                        options.bans, counts.received(), (long) options.bans * fleet.hosts() * sink.servers(),
                        counts.executed(), counts.reconnects());
            }
            if (complete || (publishEnd != 0 && now - lastChange > options.settleSeconds * 1_000_000_000L)) {
                break;
            }
        }
        long end = System.nanoTime();
        for (BrokerProcess broker : brokers) {
            if (!broker.isAlive()) {
                progress("broker pid %d %s", broker.pid(), broker.describeExit());
            }
        }
        LatencyHistogram latency = recorder.latency();
        if (options.attempts()) {
            LatencyHistogram last = recorder.untilLastHost();
            progress("%d fleet bans; from the deciding attempt's publish to the last agent's action: p50 %.1f ms, "
                    + "p99 %.1f ms, max %.1f ms", last.count(), last.percentile(50) / 1e3, last.percentile(99) / 1e3,
                    last.max() / 1e3);
        }
        return new LoadReport(fleet.hosts(), sink.servers(), options.warmupBans(), options.bans, publisher.published(),
                options.bans - publisher.published(), publisher.accepted() * fleet.hosts(), counts.received(),
                (long) options.bansFor(options.bans) * fleet.hosts(), counts.executed(), recorder.duplicates(),
                counts.failed(), counts.dropped(), recorder.unreadableCount(), counts.reconnects(),
                (publishEnd - publishStart) / 1e9, (end - publishStart) / 1e9,
                latency.percentile(50) / 1e3, latency.percentile(90) / 1e3, latency.percentile(99) / 1e3,
                latency.max() / 1e3, publisher.firstFailure());
    }

    private void progress(String format, Object... args) {
        err.printf("[%6.1fs] %s%n", (System.nanoTime() - startNanos) / 1e9, String.format(format, args));
        err.flush();
    }
}
