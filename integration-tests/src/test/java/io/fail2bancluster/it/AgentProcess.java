package io.fail2bancluster.it;

import io.fail2bancluster.agent.AgentMain;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fail2ban-clusterd --config FILE run} as a real process, read through what an operator sees:
 * its log (stderr in the foreground) and {@code fail2ban-clusterd status}.
 */
final class AgentProcess implements AutoCloseable {
    private static final Pattern COUNTER = Pattern.compile("([a-z_]+) (\\d+)");

    private final Path config;
    private final JavaProcess process;

    private AgentProcess(Path config, JavaProcess process) {
        this.config = config;
        this.process = process;
    }

    static AgentProcess run(Path config) {
        return new AgentProcess(config, JavaProcess.start("fail2ban-clusterd run", AgentMain.class,
                "--config", config.toString(), "run"));
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
        try (JavaProcess status = JavaProcess.start("fail2ban-clusterd status", AgentMain.class,
                "--config", config.toString(), "status")) {
            int code = status.awaitExit(Cluster.WAIT);
            if (code != 0) {
                throw new AssertionError("status exited " + code + ":\n" + status.output() + "\n" + output());
            }
            Map<String, Long> totals = new HashMap<>();
            for (String line : status.lines(l -> l.startsWith("  received "))) {
                Matcher m = COUNTER.matcher(line);
                while (m.find()) {
                    totals.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
                }
            }
            return totals;
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
