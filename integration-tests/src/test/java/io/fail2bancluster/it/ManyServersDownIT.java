package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.BrokerMain;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 500 configured servers (500 loopback addresses, one port) all down when the agent starts: it keeps
 * answering status, its reconnect attempts are spread out (reported per second), and when the broker comes
 * up on that port every one of them connects.
 */
class ManyServersDownIT {
    private static final int SERVERS = 500;
    private static final Duration WITHIN = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void fiveHundredServersDownAtStartAllConnectWhenTheyComeBack() throws Exception {
        int port = freePort();
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (int i = 0; i < SERVERS; i++) {
            yaml.append("  - host: 127.0.").append(i / 250).append('.').append(i % 250 + 1).append('\n')
                    .append("    port: ").append(port).append('\n')
                    .append("    channels:\n      - name: Fail2ban\n        action: \"true %ip%\"\n");
        }
        yaml.append("reconnect_min: 0.5\nreconnect_max: 4\nlog_level: 0\n");
        try (AgentProcess agent = AgentProcess.start(dir, yaml.toString())) {
            long first = reconnects(agent.statusFields());
            long start = System.nanoTime();
            // every status below is answered while 500 connections keep failing
            await().atMost(WITHIN).until(() -> System.nanoTime() - start > 5_000_000_000L && agent.statusFields() != null);
            long attempts = reconnects(agent.statusFields()) - first;
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("ManyServersDownIT: %d servers down: %.0f reconnect attempts/s over %.1f s, agent VmRSS %s%n",
                    SERVERS, attempts / seconds, seconds, rss(agent.process().pid()));
            assertTrue(attempts > 0, "the agent keeps trying");

            try (JavaProcess broker = JavaProcess.start("broker", BrokerMain.class, "--port=" + port)) {
                broker.awaitLine(l -> l.startsWith("fail2ban-cluster-broker listening on"), WITHIN);
                await().atMost(WITHIN).pollInterval(Duration.ofMillis(500))
                        .until(() -> connected(agent.statusFields()) == SERVERS);
                assertEquals(SERVERS, connected(agent.statusFields()));
                System.out.printf("ManyServersDownIT: all %d connected, agent VmRSS %s%n", SERVERS,
                        rss(agent.process().pid()));
            }
        }
    }

    private static long reconnects(Map<String, String> status) {
        return status.entrySet().stream().filter(e -> e.getKey().endsWith(".reconnects"))
                .mapToLong(e -> Long.parseLong(e.getValue())).sum();
    }

    private static long connected(Map<String, String> status) {
        return status.entrySet().stream()
                .filter(e -> e.getKey().endsWith(".state") && e.getValue().equals("connected")).count();
    }

    private static String rss(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).map(l -> l.substring(6).trim()).findFirst().orElse("?");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
