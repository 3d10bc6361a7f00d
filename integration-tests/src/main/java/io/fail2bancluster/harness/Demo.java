package io.fail2bancluster.harness;

import io.fail2bancluster.agent.Agent;
import io.fail2bancluster.agent.AgentStatus;
import io.fail2bancluster.agent.daemon.Logging;
import io.fail2bancluster.broker.Broker;
import io.fail2bancluster.broker.BrokerOptions;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.client.Target;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.protocol.Command;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code fail2ban-cluster-demo}: the whole product on one machine with nothing installed. A broker on
 * 127.0.0.1, an agent whose action creates one file per ban (so the effect is visible), and three
 * publishes through the client's publish code: one that runs, one the filter stops, and one whose hostile
 * value stays a single literal argument.
 */
public final class Demo {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out));
    }

    static int run(PrintStream out) throws IOException, InterruptedException {
        Logging.configure(new Logging.Settings(2, Optional.empty(), true));
        Path dir = Files.createTempDirectory("fail2ban-cluster-demo");
        Path bans = Files.createDirectory(dir.resolve("bans"));
        try (Broker broker = Broker.start(BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0))) {
            String yaml = demoConfig(broker.port(), bans);
            out.println("== fail2ban-cluster demo: broker on 127.0.0.1:" + broker.port() + ", agent config:");
            out.println(yaml.indent(4));
            Path configFile = Files.writeString(dir.resolve("demo.yml"), yaml);
            ClusterConfig config = ConfigLoader.load(configFile);

            try (Agent agent = Agent.start(config)) {
                waitUntil(() -> "connected".equals(server(agent).state()), "the agent to connect");

                Publisher publisher = new Publisher();
                Target target = new Target("127.0.0.1", broker.port());
                List<String> messages = List.of(
                        "jail=sshd, action=banip, ip=192.0.2.7",
                        "jail=nginx, action=banip, ip=198.51.100.1",
                        "jail=sshd, action=banip, ip=192.0.2.8; rm -rf ~");
                for (String message : messages) {
                    List<PublishResult> results = publisher.publish(
                            List.of(target), new Command.Announce("Fail2ban", message), Duration.ofSeconds(5));
                    out.println("== published \"" + message + "\": " + results.get(0));
                }
                // 2 run, 1 filtered out: wait until the agent has dealt with all three
                waitUntil(() -> counter(agent, "executed") + counter(agent, "failed")
                        + counter(agent, "filtered_out") >= messages.size(), "the agent to handle every message");

                out.println();
                out.println("== the agent's counters: " + server(agent).counters());
                out.println("== files the action created in " + bans + ":");
                try (Stream<Path> files = Files.list(bans)) {
                    files.map(p -> p.getFileName().toString()).sorted()
                            .forEach(name -> out.println("    '" + name + "'"));
                }
                out.println("== nginx was filtered out; the hostile value became one file name, nothing else ran.");
                out.println("== The same with real processes: see README.md, \"Commands\".");
                return counter(agent, "executed") == 2 && counter(agent, "filtered_out") == 1 ? 0 : 1;
            }
        }
    }

    private static String demoConfig(int port, Path bans) {
        return """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    ping_timeout: 10
                    channels:
                      - name: Fail2ban
                        # stands in for: fail2ban-client set %%jail%% %%action%% %%ip%%
                        action: "touch '%s/%%jail%%-%%action%%-%%ip%%'"
                        filter:
                          - key: jail
                            values: [sshd]
                          - key: action
                            values: [banip, unbanip]
                log_level: 2
                reconnect_min: 0.2
                reconnect_max: 2
                """.formatted(port, bans);
    }

    private static AgentStatus.ServerStatus server(Agent agent) {
        return agent.status().servers().get(0);
    }

    private static long counter(Agent agent, String name) {
        Map<String, Long> counters = server(agent).counters();
        return counters.getOrDefault(name, 0L);
    }

    private interface Condition {
        boolean met();
    }

    private static void waitUntil(Condition condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("gave up waiting for " + what + " after " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }
}
