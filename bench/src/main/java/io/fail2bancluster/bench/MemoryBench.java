package io.fail2bancluster.bench;

import io.fail2bancluster.agent.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Agent memory: {@code fail2ban-clusterd run} with 500 servers configured, all live on one broker process
 * (500 loopback addresses, one port), with the launcher's JVM flags; VmRSS read from /proc after the wait.
 * Baseline: {@link BareNettyClients} holding 500 idle connections to the same broker, same flags.
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
            Path config = Files.writeString(dir.resolve("cluster.yml"), config(port, dir));
            long ours;
            try (Child agent = new Child(LAUNCHER_JVM, AgentMain.class.getName(), "--config", config.toString(), "run")) {
                for (int i = 0; i < SERVERS; i++) {
                    agent.await(": connected", 120);
                }
                Thread.sleep(waitSeconds * 1000L);
                ours = rssKib(agent.pid());
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
        }
    }

    /** 500 servers at 127.0.x.y, every one the same broker: distinct addresses, so no duplicate warning. */
    static String config(int port, Path dir) {
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (int i = 0; i < SERVERS; i++) {
            yaml.append("  - host: 127.0.").append(i / 250).append('.').append(i % 250 + 1).append('\n')
                    .append("    port: ").append(port).append('\n')
                    .append("    channels:\n      - name: Fail2ban\n        action: \"true %ip%\"\n");
        }
        return yaml.append("log_level: 2\ncontrol_socket: ").append(dir.resolve("control.sock")).append('\n').toString();
    }

    static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }
}
