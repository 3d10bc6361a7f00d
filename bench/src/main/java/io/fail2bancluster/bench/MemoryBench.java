package io.fail2bancluster.bench;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.harness.NatsServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Agent memory: {@code fail2ban-clusterd run} with 500 servers configured, all live on one broker process
 * (500 loopback addresses, one port), with the launcher's JVM flags; VmRSS read from /proc after the wait.
 * Baseline: {@link BareNettyClients} holding 500 idle connections to the same broker, same flags. A third
 * run adds one NATS JetStream entry (a private nats-server -js) beside the 500: what jnats's connection,
 * its threads and the ordered consumer cost one agent.
 */
public final class MemoryBench {
    /** What bin/fail2ban-clusterd runs with: lib/launcher.sh's defaults plus the agent's own (keep in step). */
    static final List<String> LAUNCHER_JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=16m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
            "-XX:+ExitOnOutOfMemoryError");
    private static final int SERVERS = 500;

    private MemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int waitSeconds = Bench.quick(args) ? 10 : 60;
        Bench.header("agent memory: " + SERVERS + " live servers, VmRSS after " + waitSeconds + " s, JVM "
                + String.join(" ", LAUNCHER_JVM));
        Path dir = Files.createTempDirectory("f2bc-membench");
        try (Child broker = new Child(List.of("-Xmx256m"), BrokerMain.class.getName(), "--port=0", "--threads=1")) {
            int port = Child.portOf(broker.await("listening on", 60));
            Path config = Files.writeString(dir.resolve("cluster.yml"), config(port, dir, ""));
            long ours = agentRss(config, false, waitSeconds);
            Long withNats = null;
            if (NatsServerProcess.binary().isPresent()) {
                try (NatsServerProcess nats = NatsServerProcess.start(Duration.ofSeconds(30))) {
                    Path natsDir = Files.createDirectories(dir.resolve("nats"));
                    Path both = Files.writeString(dir.resolve("cluster-nats.yml"), config(port, natsDir,
                            "  - nats: [" + nats.url() + "]\n    channels:\n      - name: Fail2ban\n"
                                    + "        action: \"true %ip%\"\n"));
                    withNats = agentRss(both, true, waitSeconds);
                }
            }
            long baseline;
            try (Child bare = new Child(LAUNCHER_JVM, BareNettyClients.class.getName(), String.valueOf(port),
                    String.valueOf(SERVERS))) {
                bare.await("connected " + SERVERS, 120);
                Thread.sleep(waitSeconds * 1000L);
                baseline = rssKib(bare.pid());
            }
            Bench.line("fail2ban-clusterd run, 500 connected servers", "VmRSS %.1f MiB", ours / 1024.0);
            Bench.line("baseline bare Netty, 500 idle connections", "VmRSS %.1f MiB; agent %s", baseline / 1024.0,
                    Bench.ratio(ours, baseline));
            if (withNats == null) {
                Bench.line("the same agent with a NATS server too", "skipped: no nats-server (apt-get install nats-server)");
            } else {
                Bench.line("the same agent with a NATS server too", "VmRSS %.1f MiB: %+.1f MiB for the NATS entry; %s",
                        withNats / 1024.0, (withNats - ours) / 1024.0, Bench.ratio(withNats, baseline));
            }
        }
    }

    /** Starts the agent on {@code config}, waits until every server (and the NATS entry) is up, then the wait. */
    private static long agentRss(Path config, boolean nats, int waitSeconds) throws Exception {
        try (Child agent = new Child(LAUNCHER_JVM, AgentMain.class.getName(), "--config", config.toString(), "run")) {
            for (int i = 0; i < SERVERS; i++) {
                agent.await(": connected", 120);
            }
            if (nats) {
                agent.await("subscribed to stream", 120);
            }
            Thread.sleep(waitSeconds * 1000L);
            return rssKib(agent.pid());
        }
    }

    /**
     * 500 servers at 127.0.x.y, every one the same broker: distinct addresses, so no duplicate warning; then
     * {@code more} (server entries). The agent's control socket and state_dir are in {@code dir}.
     */
    static String config(int port, Path dir, String more) {
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (int i = 0; i < SERVERS; i++) {
            yaml.append("  - host: 127.0.").append(i / 250).append('.').append(i % 250 + 1).append('\n')
                    .append("    port: ").append(port).append('\n')
                    .append("    channels:\n      - name: Fail2ban\n        action: \"true %ip%\"\n");
        }
        return yaml.append(more).append("log_level: 2\ncontrol_socket: ").append(dir.resolve("control.sock"))
                .append("\nstate_dir: ").append(dir.resolve("state")).append('\n').toString();
    }

    static long rssKib(long pid) throws IOException {
        return procStatus(pid, "VmRSS");
    }

    /** A number of {@code /proc/PID/status}, e.g. VmRSS (KiB) or Threads. */
    static long procStatus(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + field + " for pid " + pid);
    }
}
