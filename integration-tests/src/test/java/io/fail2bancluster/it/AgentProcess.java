package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import io.fail2bancluster.agent.daemon.ControlReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * {@code fail2ban-clusterd --config FILE run} as a real process, read through what an operator sees:
 * its log (stderr in the foreground) and {@code fail2ban-clusterd status}; or, when started by
 * {@link #start(Path, String)}, its control socket read directly (no JVM per status).
 */
final class AgentProcess implements AutoCloseable {
    private static final Pattern COUNTER = Pattern.compile("([a-z_]+) (\\d+)");

    private final Path config;
    private final JavaProcess process;
    private final Path controlSocket;
    /** What {@link #start} appended to the test's YAML (control socket, state_dir); empty for {@link #run}. */
    private final String appended;

    private AgentProcess(Path config, JavaProcess process, Path controlSocket, String appended) {
        this.config = config;
        this.process = process;
        this.controlSocket = controlSocket;
        this.appended = appended;
    }

    static AgentProcess run(Path config) {
        return new AgentProcess(config, JavaProcess.start("fail2ban-clusterd run", AgentMain.class,
                "--config", config.toString(), "run"), null, "");
    }

    /**
     * Writes {@code yaml} with a control socket in {@code dir} to {@code dir/cluster.yml}, runs it, and returns
     * once the agent answers on the socket.
     */
    static AgentProcess start(Path dir, String yaml) throws IOException {
        Path controlSocket = dir.resolve("control.sock");
        // the outbox in the test folder too, never in the host's /var/lib
        String stateDir = yaml.contains("state_dir:") ? "" : "state_dir: " + dir.resolve("state") + "\n";
        String appended = "control_socket: " + controlSocket + "\n" + stateDir;
        Path config = Files.writeString(dir.resolve("cluster.yml"), yaml + appended);
        AgentProcess agent = new AgentProcess(config, JavaProcess.start("fail2ban-clusterd run", AgentMain.class,
                "--config", config.toString(), "run"), controlSocket, appended);
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> agent.server0("state") != null);
        } catch (ConditionTimeoutException e) {
            agent.close();
            throw new AssertionError("the agent did not answer on " + controlSocket + "; it printed:\n" + agent.output(), e);
        }
        return agent;
    }

    /**
     * Writes {@code yaml} over the agent's config file (with what {@link #start} added to it) and runs
     * {@code fail2ban-clusterd reload}, as an operator does after editing the file; returns it once it exited.
     */
    JavaProcess reload(String yaml) throws IOException {
        Files.writeString(config, yaml + appended);
        JavaProcess reload = JavaProcess.start("fail2ban-clusterd reload", AgentMain.class, "--config",
                config.toString(), "reload");
        reload.awaitExit(Cluster.WAIT);
        return reload;
    }

    /** A field of server 0's status ({@code received}, {@code dropped}, {@code state}...), over the control socket. */
    String server0(String field) {
        try {
            ControlReply reply = ControlClient.request(controlSocket, "status");
            return reply.field("server.0." + field).orElseThrow(() -> new AssertionError("no " + field + " in " + reply));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole status over the control socket, as {@code fail2ban-clusterd status} gets it. */
    Map<String, String> statusFields() {
        try {
            return ControlClient.request(controlSocket, "status").fields();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long counter(String name) {
        return Long.parseLong(server0(name));
    }

    /** Waits until the agent has been greeted {@code times} times in all (reconnects count again). */
    void awaitGreetings(int times) {
        process.awaitLines(l -> l.endsWith(": connected"), times, Cluster.WAIT);
    }

    /**
     * Waits until the log (at debug) shows {@code messages} received messages at their end: run to exit,
     * filtered out, or deduplicated. Nothing received before can run after that. Returns the counters.
     */
    Map<String, Long> awaitHandled(int messages) {
        process.awaitLines(AgentProcess::endOfAMessage, messages, Cluster.WAIT);
        return counterTotals();
    }

    private static boolean endOfAMessage(String logLine) {
        return (logLine.contains(": ran ") && logLine.contains(" -> exit "))
                || logLine.contains(": filtered out ")
                || logLine.contains(" already delivered by another server");
    }

    /**
     * The message counters of {@code fail2ban-clusterd status} summed over every server
     * ({@code received}, {@code filtered_out}, {@code deduplicated}, {@code executed}, ...).
     */
    Map<String, Long> counterTotals() {
        Map<String, Long> totals = new HashMap<>();
        for (String line : status().lines().filter(l -> l.startsWith("  received ")).toList()) {
            Matcher m = COUNTER.matcher(line);
            while (m.find()) {
                totals.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
            }
        }
        return totals;
    }

    /** What {@code fail2ban-clusterd status} prints, run as its own process; it must exit 0. */
    String status() {
        try (JavaProcess status = JavaProcess.start("fail2ban-clusterd status", AgentMain.class,
                "--config", config.toString(), "status")) {
            int code = status.awaitExit(Cluster.WAIT);
            if (code != 0) {
                throw new AssertionError("status exited " + code + ":\n" + status.output() + "\n" + output());
            }
            return String.join("\n", status.lines(l -> true)) + "\n";
        }
    }

    JavaProcess process() {
        return process;
    }

    String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
