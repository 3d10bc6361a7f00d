package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.client.ClientMain;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The end-to-end fixture: a folder for configs and records, and servers, agents and client runs as real
 * processes on 127.0.0.1, all stopped after each test. Register it with {@code @RegisterExtension}.
 *
 * <p>The agent configs it writes keep every wait short (ping_timeout 2 s, reconnects between 0.1 and
 * 1 s) so a test that waits for a reconnect or a timeout still takes seconds; run one action at a
 * time so the recorded order is the order the agent started them; and hold dedupe entries for a
 * minute, so every publish of a test falls inside one window however slow the machine is.
 */
final class Cluster implements BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler {
    /** Generous: the processes share two cores with other builds; the assertions are about outcomes. */
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String CHANNEL = "Fail2ban";
    static final int PING_TIMEOUT_SECONDS = 2;
    private static final int LOG_TAIL_LINES = 40;

    private Resources resources = new Resources();
    private Path dir;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("f2bc-e2e");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            resources.close();
        } finally {
            resources = new Resources();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * A failing test's message ends with the tail of every log file in the test folder: an agent with a
     * log_file says nothing on its output, and its log is deleted after the test.
     */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        String tails = logTails();
        if (tails.isEmpty()) {
            throw thrown;
        }
        AssertionError withLogs = new AssertionError(thrown + "\n" + tails, thrown);
        withLogs.setStackTrace(thrown.getStackTrace());
        throw withLogs;
    }

    private String logTails() {
        StringBuilder tails = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir, 3)) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().matches(".*\\.log(\\.\\d+)?")).sorted().toList();
            for (Path log : logs) {
                List<String> lines = new ArrayList<>(Files.readAllLines(log));
                tails.append("--- last ").append(Math.min(LOG_TAIL_LINES, lines.size())).append(" lines of ")
                        .append(log).append(" ---\n");
                lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                        .forEach(l -> tails.append(l).append('\n'));
            }
        } catch (IOException e) {
            tails.append("(cannot read the logs in ").append(dir).append(": ").append(e).append(")\n");
        }
        return tails.toString();
    }

    Path dir() {
        return dir;
    }

    /** Closed after the test, last kept first. */
    <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }

    FanoutServer broker() {
        return keep(FanoutServer.broker());
    }

    List<FanoutServer> brokers(int count) {
        List<FanoutServer> brokers = FanoutServer.brokers(count);
        brokers.forEach(this::keep);
        return brokers;
    }

    FanoutServer brokerWith(String... options) {
        return keep(FanoutServer.brokerWith(options));
    }

    FanoutServer brokerOn(int port) {
        return keep(FanoutServer.brokerOn(port));
    }

    FanoutServer reference(Path binary, String... options) throws IOException {
        return keep(FanoutServer.reference(binary, options));
    }

    RecordingAction recordingAction() throws IOException {
        return RecordingAction.in(dir);
    }

    /**
     * An agent (and client) config in the original format: every port a server on 127.0.0.1 carrying
     * {@link #CHANNEL} with {@code action} behind the filter {@code action in [banip, unbanip]} and
     * {@code jail in [sshd]}, plus short timings, a pid file, a control socket and a state_dir (the outbox) in
     * the test folder.
     */
    Path agentConfig(String action, int... ports) throws IOException {
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (int port : ports) {
            yaml.append("""
                      - host: 127.0.0.1
                        port: %d
                        ping_timeout: %d
                        channels:
                          - name: %s
                            action: "%s"
                            filter:
                              - key: action
                                values: [banip, unbanip]
                              - key: jail
                                values: [sshd]
                    """.formatted(port, PING_TIMEOUT_SECONDS, CHANNEL, action));
        }
        yaml.append("""
                reconnect_min: 0.1
                reconnect_max: 1
                dedupe_window: 60
                exec_concurrency: 1
                log_level: 3
                pid_file: %s
                control_socket: %s
                state_dir: %s
                """.formatted(dir.resolve("agent.pid"), dir.resolve("control.sock"), dir.resolve("state")));
        Path file = Files.createTempFile(dir, "cluster", ".yml");
        Files.writeString(file, yaml);
        return file;
    }

    AgentProcess agent(Path config) {
        return keep(AgentProcess.run(config));
    }

    /** {@code fail2ban-cluster-client} run to its end; the caller checks the exit status. */
    JavaProcess client(String... args) {
        JavaProcess client = keep(JavaProcess.start("client", ClientMain.class, args));
        client.awaitExit(WAIT);
        return client;
    }

    /** Publishes {@code message} on {@link #CHANNEL} to every server in {@code config}; all must confirm it. */
    void publish(Path config, String message) {
        JavaProcess client = client("--config", config.toString(), "-c", CHANNEL, "-m", message);
        assertEquals(0, client.process().exitValue(), client.output());
    }

    /** A port with nobody listening (for a moment: the kernel hands it out again only much later). */
    static int unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
