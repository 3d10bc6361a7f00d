package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.util.ProductVersion;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code fail2ban-clusterd status} and the Prometheus page of a real agent, after a known sequence of
 * messages through two real brokers: the same exact counters in both, since one snapshot feeds both.
 */
class StatusMetricsIT {
    private static final String COUNTERS = "received, filtered_out, deduplicated, rejected, executed, failed, "
            + "timed_out, dropped, errors";
    private static final Pattern SAMPLE = Pattern.compile(
            "fail2ban_cluster_messages_total\\{server=\"([^\"]+)\",outcome=\"([a-z_]+)\"} (\\d+)");
    private static final Pattern STATUS_SERVER = Pattern.compile("server (\\S+): (\\S+)");
    private static final Pattern STATUS_COUNTER = Pattern.compile("([a-z_]+) (\\d+)");

    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void statusAndThePageShowTheSameExactCountersAfterAKnownSequence() throws Exception {
        List<FanoutServer> brokers = cluster.brokers(2);
        FanoutServer a = brokers.get(0);
        FanoutServer b = brokers.get(1);
        int metricsPort = Cluster.unusedPort();
        Path config = cluster.agentConfig(failingFor("192.0.2.99") + " %action% %ip%", a.port(), b.port());
        Files.writeString(config, "metrics: " + metricsPort + "\n", StandardOpenOption.APPEND);
        AgentProcess agent = cluster.agent(config);
        a.awaitSubscriptions(1);
        b.awaitSubscriptions(1);

        publish(a, "jail=sshd, action=banip, ip=192.0.2.1");   // executed
        publish(a, "jail=nginx, action=banip, ip=192.0.2.2");  // filtered out: jail
        publish(a, "jail=sshd, action=banip");                 // rejected: the action needs %ip%
        publish(a, "jail=sshd, action=flush, ip=192.0.2.3");   // filtered out: action
        publish(a, "jail=sshd, action=banip, ip=192.0.2.4");   // executed
        publish(a, "jail=sshd, action=banip, ip=192.0.2.5");   // executed
        agent.awaitHandled(5);
        publish(b, "jail=sshd, action=banip, ip=192.0.2.5");   // deduplicated: a delivered it in the window
        publish(a, "jail=sshd, action=banip, ip=192.0.2.99");  // failed: the action exits 1
        agent.awaitHandled(7);

        String serverA = "127.0.0.1:" + a.port();
        String serverB = "127.0.0.1:" + b.port();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(serverA, counters(7, 2, 0, 1, 3, 1, 0, 0, 0));
        expected.put(serverB, counters(1, 0, 1, 0, 0, 0, 0, 0, 0));

        // status between two scrapes: the message counters are settled, so all three must show them exactly
        String before = scrape(metricsPort);
        String status = agent.status();
        String after = scrape(metricsPort);
        String all = before + "\n" + status + "\n" + after + "\n" + agent.output();
        assertEquals(expected, statusCounters(status), all);
        assertEquals(expected, pageCounters(before), all);
        assertEquals(expected, pageCounters(after), all);
        for (String server : List.of(serverA, serverB)) {
            // a connection may drop and come back in between (the test's ping_timeout is 2 s on a busy machine)
            long reconnects = reconnects(status, server);
            assertTrue(sample(before, "server_reconnects_total", server) <= reconnects, all);
            assertTrue(reconnects <= sample(after, "server_reconnects_total", server), all);
            assertTrue(after.contains("fail2ban_cluster_server_last_line_timestamp_seconds{server=\"" + server + "\"} "), all);
            await().atMost(Cluster.WAIT).until(() -> sample(scrape(metricsPort), "server_connected", server) == 1);
        }
        assertTrue(after.contains("\nfail2ban_cluster_info{version=\"" + ProductVersion.current() + "\"} 1\n"), all);
        assertTrue(after.contains("\nfail2ban_cluster_start_time_seconds "), all);
    }

    /** GET /metrics as a scraper does; the answer must be 200 in the text format. */
    static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> page = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", page.headers().firstValue("content-type").orElseThrow());
        return page.body();
    }

    /** The value of {@code fail2ban_cluster_NAME{server="SERVER"}} on the page. */
    private static long sample(String page, String name, String server) {
        String prefix = "fail2ban_cluster_" + name + "{server=\"" + server + "\"} ";
        return page.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in\n" + page));
    }

    @Test
    void aMetricsPortInUseStopsTheAgentWithTheAddress() throws Exception {
        FanoutServer broker = cluster.broker();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = cluster.agentConfig("true", broker.port());
            Files.writeString(config, "metrics: 127.0.0.1:" + taken.getLocalPort() + "\n", StandardOpenOption.APPEND);
            AgentProcess agent = cluster.agent(config);
            assertEquals(1, agent.process().awaitExit(Cluster.WAIT), agent.output());
            assertTrue(agent.output().contains("cannot start the agent: cannot serve metrics on 127.0.0.1:"
                    + taken.getLocalPort() + " (metrics: in the config): "), agent.output());
            assertFalse(agent.output().contains("\tat "), "one line, not a stack trace:\n" + agent.output());
            assertEquals(0, broker.userRequestedSubscriptions(), "nothing subscribed before the failure");
        }
    }

    /** Publishes to one broker only, so which server delivered what is known. */
    private void publish(FanoutServer broker, String message) {
        JavaProcess client = cluster.client("--host", "127.0.0.1", "-p", String.valueOf(broker.port()),
                "-c", Cluster.CHANNEL, "-m", message);
        assertEquals(0, client.process().exitValue(), client.output());
    }

    /** An action script that exits 1 for {@code ip} (its second argument) and 0 otherwise. */
    private String failingFor(String ip) throws IOException {
        Path script = cluster.dir().resolve("fails-for.sh");
        Files.writeString(script, "#!/bin/sh\n[ \"$2\" != " + ip + " ]\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script.toString();
    }

    private static String counters(long... values) {
        String[] names = COUNTERS.split(", ");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            out.append(i == 0 ? "" : ", ").append(names[i]).append(' ').append(values[i]);
        }
        return out.toString();
    }

    /** Server address to its counters line ({@code received 7, filtered_out 2, ...}) from the status text. */
    private static Map<String, String> statusCounters(String status) {
        Map<String, String> counters = new LinkedHashMap<>();
        String server = null;
        for (String line : status.lines().toList()) {
            Matcher m = STATUS_SERVER.matcher(line);
            if (m.matches()) {
                server = m.group(1);
            } else if (line.startsWith("  received ")) {
                counters.put(server, line.strip());
            }
        }
        return counters;
    }

    /** The same shape from the page's {@code fail2ban_cluster_messages_total} samples. */
    private static Map<String, String> pageCounters(String page) {
        Map<String, StringBuilder> counters = new LinkedHashMap<>();
        page.lines().map(SAMPLE::matcher).filter(Matcher::matches).forEach(m -> {
            StringBuilder line = counters.computeIfAbsent(m.group(1), s -> new StringBuilder());
            line.append(line.isEmpty() ? "" : ", ").append(m.group(2)).append(' ').append(m.group(3));
        });
        Map<String, String> out = new LinkedHashMap<>();
        counters.forEach((server, line) -> out.put(server, line.toString()));
        return out;
    }

    private static long reconnects(String status, String server) {
        List<String> lines = status.lines().toList();
        int at = 0;
        while (at < lines.size() - 1 && !lines.get(at).startsWith("server " + server + ": ")) {
            at++;
        }
        String details = lines.get(at + 1);
        Matcher m = Pattern.compile("reconnects (\\d+)").matcher(details);
        assertTrue(m.find(), details);
        return Long.parseLong(m.group(1));
    }
}
