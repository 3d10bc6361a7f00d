package io.fail2bancluster.agent.assembly;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent on its real event loop against in-process fanout stand-ins on 127.0.0.1. */
class AgentTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";

    private final List<FakeFanout> servers = new ArrayList<>();
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private Agent agent;

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        servers.forEach(FakeFanout::close);
    }

    private ClusterConfig config(int serverCount, String pingTimeout) {
        return ConfigLoader.parse(yaml(serverCount, pingTimeout), "agent-test.yml");
    }

    private String yaml(int serverCount, String pingTimeout) {
        StringBuilder yaml = new StringBuilder("reconnect_min: 0.05\nreconnect_max: 0.2\nservers:\n");
        for (int i = 0; i < serverCount; i++) {
            FakeFanout server = new FakeFanout();
            servers.add(server);
            yaml.append("  - host: ").append(i == 0 ? "localhost" : "127.0.0.1").append("\n    port: ").append(server.port())
                    .append("\n    ping_timeout: ").append(pingTimeout).append('\n')
                    .append("""
                                channels:
                                  - name: Fail2ban
                                    action: "record %jail% %action% '%ip%'"
                                    filter:
                                      - key: jail
                                        values: [sshd]
                            """);
        }
        return yaml.toString();
    }

    private Map<String, Long> counters(int server) {
        return agent.status().servers().get(server).counters();
    }

    @Test
    void subscribesRunsMatchingMessagesAndCountsThem() {
        agent = Agent.builder(config(1, "60")).runner(runner).start();
        FakeFanout server = servers.get(0);
        await().atMost(WAIT).until(() -> server.subscribes("Fail2ban") == 1);
        await().atMost(WAIT).until(() -> agent.status().servers().get(0).state().equals("connected"));

        server.announce("Fail2ban", "jail=nginx, action=banip, ip=192.0.2.8");
        server.announce("Fail2ban", BAN);
        await().atMost(WAIT).until(() -> runner.calls.size() == 1);
        assertEquals(List.of(List.of("record", "sshd", "banip", "192.0.2.7")), runner.argvs());
        runner.calls.get(0).whenDone().accept(new ActionResult.Exited(0, Duration.ofMillis(1), ""));

        await().atMost(WAIT).until(() -> counters(0).get("executed") == 1);
        Map<String, Long> counters = counters(0);
        assertEquals(2, counters.get("received"));
        assertEquals(1, counters.get("filtered_out"));
        assertTrue(agent.status().servers().get(0).connectedSince().isPresent());
    }

    @Test
    void reconnectsAndResubscribesWhenTheServerDropsTheConnection() {
        agent = Agent.builder(config(1, "60")).runner(runner).start();
        FakeFanout server = servers.get(0);
        await().atMost(WAIT).until(() -> server.subscribes("Fail2ban") == 1);

        server.dropEveryConnection();
        await().atMost(WAIT).until(() -> server.subscribes("Fail2ban") == 2);
        server.announce("Fail2ban", BAN);
        await().atMost(WAIT).until(() -> runner.calls.size() == 1);
        assertTrue(agent.status().servers().get(0).reconnects() >= 1);
    }

    @Test
    void aServerThatAcceptsAndNeverAnswersIsDroppedAndRetried() {
        ClusterConfig config = config(1, "0.5");
        FakeFanout server = servers.get(0);
        server.silent = true;
        agent = Agent.builder(config).runner(runner).start();
        await().atMost(WAIT).until(() -> agent.status().servers().get(0).reconnects() >= 2);

        server.silent = false;
        await().atMost(WAIT).until(() -> server.subscribes("Fail2ban") >= 1);
        await().atMost(WAIT).until(() -> agent.status().servers().get(0).state().equals("connected"));
    }

    @Test
    void onePublishThroughThreeServersRunsOnceAndBanUnbanBanRunsThrice() {
        agent = Agent.builder(config(3, "60")).runner(runner).start();
        for (FakeFanout server : servers) {
            await().atMost(WAIT).until(() -> server.subscribes("Fail2ban") == 1);
        }
        servers.forEach(s -> s.announce("Fail2ban", BAN));
        await().atMost(WAIT).until(() -> received() == 3);
        assertEquals(1, runner.calls.size());

        for (String message : List.of(BAN.replace("banip", "unbanip"), BAN)) {
            servers.forEach(s -> s.announce("Fail2ban", message));
        }
        await().atMost(WAIT).until(() -> received() == 9);
        assertEquals(List.of("banip", "unbanip", "banip"),
                runner.argvs().stream().map(argv -> argv.get(2)).collect(Collectors.toList()));
        assertEquals(6, agent.status().servers().stream().mapToLong(s -> s.counters().get("deduplicated")).sum());
    }

    private long received() {
        return agent.status().servers().stream().mapToLong(s -> s.counters().get("received")).sum();
    }

    @Test
    void shutdownStopsEverything() {
        agent = Agent.builder(config(1, "60")).runner(runner).start();
        await().atMost(WAIT).until(() -> servers.get(0).subscribes("Fail2ban") == 1);
        agent.shutdown(Duration.ofSeconds(5)).join();
        assertEquals("stopped", agent.status().servers().get(0).state());
    }

    @Test
    void shutsItsRunnerDownOffTheEventLoop() {
        // A thread pool's shutdown waits for the pool's lock: on the loop that is a blocking call (BlockHound exit 70).
        CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
        ActionRunner owned = new ActionRunner() {
            @Override
            public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
                runner.run(invocation, whenDone);
            }

            @Override
            public CompletableFuture<Void> shutdown(Duration grace) {
                onLoop.complete(Thread.currentThread() instanceof FastThreadLocalThread);
                return runner.shutdown(grace);
            }
        };
        agent = Agent.builder(config(1, "60")).ownRunner(owned).start();
        await().atMost(WAIT).until(() -> servers.get(0).subscribes("Fail2ban") == 1);
        agent.shutdown(Duration.ofSeconds(5)).join();
        assertFalse(onLoop.join(), "the runner was shut down on an event loop thread");
    }

    @Test
    void servesTheStatusCountersAsPrometheusMetrics() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        agent = Agent.builder(ConfigLoader.parse(yaml(1, "60") + "metrics: " + port + "\n", "agent-test.yml")).runner(runner).start();
        FakeFanout server = servers.get(0);
        await().atMost(WAIT).until(() -> server.subscribes("Fail2ban") == 1);
        server.announce("Fail2ban", "jail=nginx, action=banip, ip=192.0.2.8");
        await().atMost(WAIT).until(() -> counters(0).get("filtered_out") == 1);

        HttpResponse<String> page = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        String address = agent.status().servers().get(0).address();
        List<String> messages = page.body().lines().filter(l -> l.startsWith("fail2ban_cluster_messages_total{")).toList();
        assertEquals(List.of(
                "fail2ban_cluster_messages_total{server=\"" + address + "\",outcome=\"received\"} 1",
                "fail2ban_cluster_messages_total{server=\"" + address + "\",outcome=\"filtered_out\"} 1"),
                messages.subList(0, 2));
        assertTrue(page.body().contains("fail2ban_cluster_server_connected{server=\"" + address + "\"} 1\n"), page.body());
    }

    /** A config of {@code servers} (by index in {@link #servers}), each carrying {@code channels}. */
    private ClusterConfig reloaded(List<Integer> serverIndexes, String... channels) {
        StringBuilder yaml = new StringBuilder("reconnect_min: 0.05\nreconnect_max: 0.2\nservers:\n");
        for (int index : serverIndexes) {
            yaml.append("  - host: ").append(index == 0 ? "localhost" : "127.0.0.1").append("\n    port: ")
                    .append(servers.get(index).port()).append("\n    ping_timeout: 60\n    channels:\n");
            for (String channel : channels) {
                yaml.append("      - name: ").append(channel).append("\n        action: \"record ").append(channel)
                        .append(" %ip%\"\n");
            }
        }
        return ConfigLoader.parse(yaml.toString(), "agent-test-reloaded.yml");
    }

    @Test
    void aReloadKeepsTheConnectionChangesItsChannelsAndConnectsAnAddedServer() throws Exception {
        agent = Agent.builder(config(2, "60")).runner(runner).start();
        FakeFanout kept = servers.get(0);
        FakeFanout removed = servers.get(1);
        FakeFanout added = new FakeFanout();
        servers.add(added);
        await().atMost(WAIT).until(() -> kept.subscribes("Fail2ban") == 1 && removed.connections() == 1);
        kept.announce("Fail2ban", BAN);
        await().atMost(WAIT).until(() -> counters(0).get("received") == 1);

        List<String> changes = agent.reload(reloaded(List.of(2, 0), "Web")).get();

        assertEquals(List.of("added 127.0.0.1:" + added.port() + " (servers[0]), subscribing to [Web]",
                "kept localhost:" + kept.port() + ": subscribing to [Web], unsubscribing from [Fail2ban]",
                "removed 127.0.0.1:" + removed.port() + " (was servers[1])",
                "1 server(s) kept their connection, 1 added, 1 removed"), changes);
        await().atMost(WAIT).until(() -> kept.received.contains("unsubscribe Fail2ban")
                && kept.subscribes("Web") == 1 && added.subscribes("Web") == 1 && removed.connections() == 0);
        assertEquals(1, kept.connections());
        assertEquals(1, kept.subscribes("Fail2ban"), "no reconnect: the first subscribe is the only one");
        await().atMost(WAIT).until(() -> agent.status().servers().get(0).state().equals("connected"));
        List<String> order = agent.status().servers().stream().map(s -> s.address()).toList();
        assertEquals(List.of("127.0.0.1:" + added.port(), "localhost:" + kept.port()), order);
        assertEquals(0, agent.status().servers().get(1).reconnects());
        assertEquals(1, counters(1).get("received"), "the kept server's counters survive");

        kept.announce("Web", "ip=192.0.2.9");
        await().atMost(WAIT).until(() -> runner.calls.size() == 2);
        assertEquals(List.of("record", "Web", "192.0.2.9"), runner.argvs().get(1), "the new action runs");
        added.announce("Web", "ip=192.0.2.9");
        await().atMost(WAIT).until(() -> counters(0).get("deduplicated") == 1);
        assertEquals(2, runner.calls.size(), "two servers carry Web now: the second copy is deduplicated");
    }
}
