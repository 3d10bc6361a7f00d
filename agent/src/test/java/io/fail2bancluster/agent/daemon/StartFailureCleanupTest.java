package io.fail2bancluster.agent.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.TlsConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each step of the daemon's start fails in turn, through the real starter ({@link RunningAgent#start}), for an
 * agent with a fanout server and a NATS cluster (whose outbox delivery has a thread of its own): TLS
 * files that went bad since the config was read, a metrics port in use, a control socket another agent
 * answers on, and a state_dir another agent holds. Afterwards no thread this process did not have before is
 * left, and no file descriptor (compared through {@code /proc/self/fd}).
 */
class StartFailureCleanupTest {
    private static final Duration SETTLE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** The JDK and Netty open some things once per process (jar files, the random device): a first start does that. */
    @BeforeAll
    static void warmUp(@TempDir Path warm) throws Exception {
        StopRequest stop = new StopRequest();
        CompletableFuture<Integer> run = runInBackground(config(warm, ""), stop);
        await().atMost(SETTLE).until(() -> Files.exists(warm.resolve("agent.pid")));
        stop.request();
        assertEquals(ExitCode.OK, run.get());
    }

    private static String yaml(Path dir, String extra) throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        return "state_dir: '" + dir.resolve("state") + "'\n"
                + "control_socket: '" + dir.resolve("run/control.sock") + "'\n"
                + "pid_file: '" + dir.resolve("agent.pid") + "'\n"
                + extra
                + "servers:\n"
                + "  - host: 127.0.0.1\n"
                + "    port: " + closedPort + "\n"
                + "    channels:\n"
                + "      - name: Fail2ban\n"
                + "        action: \"true\"\n"
                + "  - nats: [nats://127.0.0.1:" + closedPort + "]\n"
                + "    channels:\n"
                + "      - name: Fail2ban\n"
                + "        action: \"true\"\n";
    }

    private static ClusterConfig config(Path dir, String extra) throws IOException {
        return ConfigLoader.parse(yaml(dir, extra), "start-failure-test.yml");
    }

    private int run(ClusterConfig config) throws InterruptedException {
        return new ForegroundAgent(config, file -> config, false, RunningAgent::start,
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(new StopRequest());
    }

    private static CompletableFuture<Integer> runInBackground(ClusterConfig config, StopRequest stop) {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                exit.complete(new ForegroundAgent(config, file -> config, false, RunningAgent::start,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(stop));
            } catch (Throwable e) {
                exit.completeExceptionally(e);
            }
        }, "test-foreground-agent");
        runner.start();
        return exit;
    }

    @Test
    void tlsFilesThatWentBadStopTheStartWithNothingLeft() throws Exception {
        ClusterConfig plain = config(dir, "");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        ServerConfig server = plain.servers().get(0);
        ServerConfig tls = new ServerConfig(server.path(), server.host(), server.port(), server.pingTimeout(),
                server.pingInterval(), server.channels(),
                Optional.of(new TlsConfig("fanout.example", Optional.of(ca), Optional.empty(), Optional.empty())));
        ClusterConfig config = new ClusterConfig(plain.source(), List.of(tls), plain.logLevel(), plain.logFile(),
                plain.pidFile(), plain.reconnectMin(), plain.reconnectMax(), plain.dedupeWindow(),
                plain.execConcurrency(), plain.execQueue(), plain.execTimeout(), plain.controlSocket(),
                plain.configuredHostname(), plain.strict(), plain.signatureWindow(), plain.limits(), plain.metrics(),
                plain.natsServers(), plain.stateDir(), plain.outboxMax());
        Snapshot before = Snapshot.take();
        assertEquals(ExitCode.FAILED, run(config));
        before.assertNothingLeft("after a TLS failure");
    }

    @Test
    void aMetricsPortInUseStopsTheStartWithNothingLeft() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ClusterConfig config = config(dir, "metrics: 127.0.0.1:" + taken.getLocalPort() + "\n");
            Snapshot before = Snapshot.take();
            assertEquals(ExitCode.FAILED, run(config));
            before.assertNothingLeft("after the metrics bind failed");
        }
    }

    @Test
    void aControlSocketAnotherAgentAnswersOnStopsTheStartWithNothingLeft() throws Exception {
        ClusterConfig config = config(dir, "");
        try (ControlServer other = ControlServer.open(config.controlSocket(),
                Map.of("status", () -> ControlReply.ok(Map.of("pid", "1"))))) {
            // the control protocol's one watchdog thread serves every request of the process from the first on
            assertTrue(ControlClient.request(config.controlSocket(), "status").isOk());
            Snapshot before = Snapshot.take();
            assertEquals(ExitCode.FAILED, run(config));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("already running"), err.toString());
            before.assertNothingLeft("after the control socket was refused");
        }
    }

    @Test
    void aStateDirAnotherAgentHoldsLeavesNothingOnceStopped() throws Exception {
        ClusterConfig config = config(dir, "");
        try (StateDirLock other = StateDirLock.acquire(config.stateDir())) {
            Snapshot before = Snapshot.take();
            StopRequest stop = new StopRequest();
            CompletableFuture<Integer> run = runInBackground(config, stop);
            await().atMost(SETTLE).until(() -> Files.exists(dir.resolve("agent.pid")));
            stop.request();
            assertEquals(ExitCode.OK, run.get(), "the agent runs without its outbox, and stops");
            before.assertNothingLeft("after an agent without its state_dir stopped");
        }
    }

    /** The threads and open file descriptors of this process at one moment. */
    private record Snapshot(List<String> threads, Map<String, Integer> files) {
        static Snapshot take() throws IOException {
            List<String> threads = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .map(Thread::getName).filter(name -> !shared(name)).sorted().toList();
            Map<String, Integer> files = new TreeMap<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        files.merge(Files.readSymbolicLink(fd).toString(), 1, Integer::sum);
                    } catch (IOException closedMeanwhile) {
                        // the listing's own descriptor, or one closed while listing
                    }
                }
            }
            return new Snapshot(threads, files);
        }

        /** Pools of the JDK and of Netty that every user of them shares; none is started for one agent. */
        private static boolean shared(String name) {
            return name.startsWith("ForkJoinPool.commonPool") || name.startsWith("globalEventExecutor")
                    || name.equals("process reaper") || name.equals("Attach Listener");
        }

        /** Waits (bounded) for threads that were told to end to be gone, then compares. */
        void assertNothingLeft(String when) throws IOException {
            List<String> left = new ArrayList<>();
            try {
                await().atMost(SETTLE).pollInSameThread().until(() -> {
                    left.clear();
                    left.addAll(differences(take()));
                    return left.isEmpty();
                });
            } catch (ConditionTimeoutException stillThere) {
                // named below
            }
            assertEquals(List.of(), left, when);
        }

        private List<String> differences(Snapshot now) {
            List<String> extra = new ArrayList<>();
            List<String> threadsNow = new ArrayList<>(now.threads);
            threads.forEach(threadsNow::remove);
            threadsNow.forEach(name -> extra.add("thread " + name));
            now.files.forEach((file, count) -> {
                if (count > files.getOrDefault(file, 0) && !file.startsWith("/proc/")) {
                    extra.add("open file " + file);
                }
            });
            return extra;
        }
    }
}
