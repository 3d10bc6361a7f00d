package io.fail2bancluster.bench;

import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.harness.BanPublisher;
import io.fail2bancluster.harness.ExecutionRecorder;
import io.fail2bancluster.harness.LatencyHistogram;
import io.fail2bancluster.harness.LoadReport;
import io.fail2bancluster.harness.NatsServerProcess;
import io.fail2bancluster.harness.NatsSink;
import io.fail2bancluster.nats.BanSubjects;
import io.fail2bancluster.nats.StreamSetup;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/**
 * The baseline of the fleet bench's NATS row, NATS itself: {@code loadtest --nats} with every agent replaced by
 * a bare jnats ordered consumer. The same private {@code nats-server -js} ({@link NatsServerProcess}), the same
 * bans ({@link BanPublisher} at the same rate through {@link NatsSink}: {@code BanPublication}, a message id
 * each, accepted on JetStream's acknowledgement), the same warm-up, counted and timed by the same
 * {@link ExecutionRecorder}; but each of the H hosts is one {@link Connection} with jnats's simplified ordered
 * consumer on {@code <stream>.>} ({@code consume(handler)}, jnats's default pull options, as
 * {@code BareOrderedConsumer}), which records a message on jnats's dispatch thread as it arrives: no agent, no
 * event loop, no message path, no runner. "Executed" in its report is "arrived".
 *
 * <p>It prints {@link LoadReport}'s JSON line, so the fleet bench reads it as it reads the load test's.
 *
 * <p>Usage: {@code BareNatsFleet <hosts> <bans/s> <bans> <warm-up seconds>}
 */
public final class BareNatsFleet {
    private static final StreamSpec STREAM = new StreamSpec(NatsServerConfig.DEFAULT_STREAM,
            NatsServerConfig.DEFAULT_RETENTION, OptionalInt.empty());
    private static final String CHANNEL = "Fail2ban";
    /** As {@code loadtest --settle}'s default: counts that do not move for this long after publishing are final. */
    private static final long SETTLE_NANOS = Duration.ofSeconds(10).toNanos();

    private BareNatsFleet() {
    }

    public static void main(String[] args) throws Exception {
        int hosts = Integer.parseInt(args[0]);
        int rate = Integer.parseInt(args[1]);
        int bans = Integer.parseInt(args[2]);
        int warmupBans = Integer.parseInt(args[3]) * rate;
        ExecutionRecorder recorder = new ExecutionRecorder(hosts, bans, bans + warmupBans);
        String report;
        try (NatsServerProcess server = NatsServerProcess.start(Duration.ofSeconds(30));
             NatsSink sink = new NatsSink(server.url())) {
            try (Connection setup = Nats.connect(server.url())) {
                StreamSetup.ensure(setup, STREAM, Duration.ofSeconds(10));
            }
            List<Connection> connections = new ArrayList<>();
            try {
                for (int host = 0; host < hosts; host++) {
                    Connection connection = Nats.connect(server.url());
                    connections.add(connection);
                    int h = host;
                    connection.getStreamContext(STREAM.name()).createOrderedConsumer(new OrderedConsumerConfiguration()
                            .filterSubject(BanSubjects.streamSubjects(STREAM.name())))
                            .consume(message -> arrived(recorder, h, message));
                }
                System.err.printf("%d ordered consumers on %s, %d threads%n", hosts, server.url(),
                        ManagementFactory.getThreadMXBean().getThreadCount());
                report = measure(sink, recorder, connections, rate, bans, warmupBans);
            } finally {
                // before the server goes, or each would try to reconnect to it
                for (Connection connection : connections) {
                    connection.close();
                }
            }
        }
        // only once the server is gone: the bench ends this process when it has read the report
        System.out.print(report);
        System.out.flush();
    }

    /** The warm-up, then the measured bans; returns the load test's report, its JSON line last. */
    private static String measure(NatsSink sink, ExecutionRecorder recorder, List<Connection> connections, int rate,
            int bans, int warmupBans) throws InterruptedException {
        int hosts = connections.size();
        publishAndSettle(new BanPublisher(sink, CHANNEL, rate), bans, warmupBans, rate, recorder::warmupExecutions,
                (long) warmupBans * hosts);
        System.err.printf("warmed up: %d arrivals%n", recorder.warmupExecutions());
        BanPublisher publisher = new BanPublisher(sink, CHANNEL, rate);
        long start = System.nanoTime();
        long published = publishAndSettle(publisher, 0, bans, rate, recorder::executions, (long) bans * hosts);
        long end = System.nanoTime();
        long reconnects = connections.stream().mapToLong(c -> c.getStatistics().getReconnects()).sum();
        LatencyHistogram latency = recorder.latency();
        long arrived = recorder.executions();
        LoadReport report = new LoadReport(hosts, 1, warmupBans, bans, publisher.published(),
                bans - publisher.published(), publisher.accepted() * hosts, arrived, (long) bans * hosts, arrived,
                recorder.duplicates(), 0, 0, recorder.unreadableCount(), reconnects, (published - start) / 1e9,
                (end - start) / 1e9, latency.percentile(50) / 1e3, latency.percentile(90) / 1e3,
                latency.percentile(99) / 1e3, latency.max() / 1e3, publisher.firstFailure());
        return report.text() + report.json() + System.lineSeparator();
    }

    /** Where the agents' runner reads argv, this reads the message: {@code ..., id=N, t=NANOS}. */
    private static void arrived(ExecutionRecorder recorder, int host, Message message) {
        long now = System.nanoTime();
        String body = new String(message.getData(), StandardCharsets.UTF_8);
        int id = body.lastIndexOf(", id=");
        int t = body.lastIndexOf(", t=");
        try {
            recorder.executed(host, Integer.parseInt(body.substring(id + 5, t)), Long.parseLong(body.substring(t + 4)),
                    now);
        } catch (RuntimeException notOurs) {
            recorder.unreadable();
        }
    }

    /**
     * Publishes {@code bans} from id {@code firstId} at {@code rate} (the publisher's own pacer), then waits until
     * {@code count} reaches {@code expected} or stays put for the settle time; returns when publishing ended
     * ({@link System#nanoTime()}).
     */
    private static long publishAndSettle(BanPublisher publisher, int firstId, int bans, int rate, LongSupplier count,
            long expected) throws InterruptedException {
        publisher.publish(firstId, bans, rate);
        long published = System.nanoTime();
        long last = -1;
        long lastChange = published;
        while (count.getAsLong() < expected) {
            long now = System.nanoTime();
            if (count.getAsLong() != last) {
                last = count.getAsLong();
                lastChange = now;
            } else if (now - lastChange > SETTLE_NANOS) {
                System.err.printf("only %d of %d arrived; reporting as is%n", last, expected);
                break;
            }
            Thread.sleep(100);
        }
        return published;
    }
}
