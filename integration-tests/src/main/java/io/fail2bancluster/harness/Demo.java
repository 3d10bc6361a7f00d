package io.fail2bancluster.harness;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.daemon.Logging;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.broker.Broker;
import io.fail2bancluster.broker.BrokerOptions;
import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.protocol.Command;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code fail2ban-cluster-demo}: the whole product on one machine with nothing installed. A broker on
 * 127.0.0.1, an agent whose action creates one file per ban (so the effect is visible), and three
 * publishes through the client's publish code: one that runs, one the filter stops, and one whose hostile
 * value stays a single literal argument. It removes its folder on exit; told to keep it, it ends with the
 * commands that do the same by hand with that folder (never commands that use a folder it removes).
 */
public final class Demo {
    static final String NAME = "fail2ban-cluster-demo";
    static final String USAGE = """
            Usage: fail2ban-cluster-demo [--keep]

            Runs a broker, an agent and three publishes on 127.0.0.1 in this one process, with nothing
            installed or configured: one ban runs its action (which creates a file named after the ban),
            one is stopped by the agent's filter, and one with a hostile value stays one literal argument.
            With --keep it ends with the three commands that do the same by hand with real processes.

              --keep      keep the demo's folder (its config and the files the action created) and
                          print the commands that use it; without it the folder is removed on exit
              -h, --help  this text
            """;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        boolean keep = false;
        for (String arg : args) {
            switch (arg) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--keep" -> keep = true;
                default -> {
                    err.println(NAME + ": " + (arg.startsWith("-") ? "unknown option " : "unexpected argument ") + arg);
                    err.println("Try '" + NAME + " --help' for more information.");
                    return 2;
                }
            }
        }
        Logging.configure(new Logging.Settings(2, Optional.empty(), true));
        Path dir = Files.createTempDirectory(NAME);
        // also on Ctrl-C; the normal way out removes it in the finally below, before the commands are shown
        Thread removal = new Thread(() -> removeQuietly(dir), NAME + "-cleanup");
        if (!keep) {
            Runtime.getRuntime().addShutdownHook(removal);
        }
        try {
            int status = run(dir, out, keep);
            out.println(keep ? "== kept " + dir + " for them; rm -r " + shellWord(dir.toString()) + " when done."
                    : "== To do the same by hand with real processes, run " + NAME + " --keep: it keeps its folder"
                            + " (config and action files) and prints the commands that use it.");
            return status;
        } finally {
            if (!keep) {
                removeQuietly(dir);
                try {
                    Runtime.getRuntime().removeShutdownHook(removal);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C while it ran: the hook removes it too, harmlessly
                }
            }
        }
    }

    private static int run(Path dir, PrintStream out, boolean keep) throws IOException, InterruptedException {
        Path bans = Files.createDirectory(dir.resolve("bans"));
        try (Broker broker = Broker.start(BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0))) {
            String yaml = demoConfig(broker.port(), bans, dir.resolve("control.sock"));
            out.println("== fail2ban-cluster demo: broker on 127.0.0.1:" + broker.port() + ", agent config:");
            out.println(yaml.indent(4));
            Path configFile = Files.writeString(dir.resolve("demo.yml"), yaml);
            ClusterConfig config = ConfigLoader.load(configFile);

            try (Agent agent = Agent.builder(config).start()) {
                waitUntil(() -> "connected".equals(server(agent).state()), "the agent to connect");

                Publisher publisher = new Publisher();
                FanoutDestination target = new FanoutDestination("127.0.0.1", broker.port());
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
                out.println();
                if (keep) {
                    byHand(out, broker.port(), configFile, bans);
                }
                return counter(agent, "executed") == 2 && counter(agent, "filtered_out") == 1 ? 0 : 1;
            }
        }
    }

    /** The demo again with real processes: a broker, the agent on the config the demo ran, one publish. */
    private static void byHand(PrintStream out, int port, Path config, Path bans) {
        String configWord = shellWord(config.toString());
        out.println("== The same by hand with real processes, each in its own terminal:");
        out.println("    fail2ban-cluster-broker --bind=127.0.0.1 --port=" + port);
        out.println("    fail2ban-clusterd --config=" + configWord + " run");
        out.println("    fail2ban-cluster-client --config=" + configWord
                + " -c Fail2ban -m \"jail=sshd, action=banip, ip=192.0.2.9\"");
        out.println("== then the agent logs the action it ran, and: ls " + shellWord(bans.toString()));
    }

    /** {@code word} as one shell word: unquoted when that is safe, else in single quotes. */
    static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./=:@%+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private static void removeQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println(NAME + ": cannot remove " + dir + ": " + e);
        }
    }

    private static String demoConfig(int port, Path bans, Path controlSocket) {
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
                # by hand, so that it needs no root and leaves an agent installed on this host alone
                control_socket: %s
                state_dir: %s
                """.formatted(port, bans, controlSocket, controlSocket.resolveSibling("state"));
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
