package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.client.ClientMain;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/nats.md's "Three servers on one machine", run as written: every command of that section in order
 * (etc/examples/nats-cluster-one-machine.sh starting the cluster, the agent's config written by its heredoc,
 * the agent started, a ban published with the client, the file its action creates, status, stop, and the
 * script's stop), with two changes a test needs: the doc's folder {@value #DOC_DIR} becomes the test's, and
 * the ports 4222-4224, 6222-6224 and 8222-8224 become free ones (the script's NATS_*PORT variables). A
 * command the doc gains that this test cannot run fails it, so the doc and the test stay one.
 */
class NatsQuickStartIT {
    private static final Path DOC = Path.of("..", "docs", "nats.md");
    private static final Path SCRIPT = Path.of("..", "etc", "examples", "nats-cluster-one-machine.sh").toAbsolutePath();
    private static final String SECTION = "## Three servers on one machine";
    private static final String DOC_DIR = "/tmp/f2bc-nats";
    private static final int[] DOC_PORTS = {4222, 6222, 8222};
    private static final int LOG_TAIL_LINES = 30;

    @RegisterExtension
    final Cluster cluster = new Cluster();
    /** Skips the test, saying why, when nats-server is not installed. */
    @RegisterExtension
    final NatsServers nats = new NatsServers();

    private Path dir;
    private int[] ports;
    /** The config the doc's agent was started with, to stop it whatever happens. */
    private String agentConfig;

    @Test
    void theOneMachineClusterOfTheDocsRunsAsWritten() throws Exception {
        if (!onPath("curl") && !onPath("wget")) {
            System.out.println("SKIPPED NatsQuickStartIT: neither curl nor wget is installed (the script asks the "
                    + "servers with one of them; apt-get install curl)");
        }
        Assumptions.assumeTrue(onPath("curl") || onPath("wget"), "neither curl nor wget is installed");
        dir = nats.dir().resolve("f2bc-nats");
        ports = new int[] {freePorts(), freePorts(), freePorts()};
        List<String> lines = commandsOf(Files.readString(DOC));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("bin/fail2ban-cluster-client ")),
                "the section publishes a ban with the client:\n" + String.join("\n", lines));
        List<Long> serverPids = new ArrayList<>();
        try {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("cat > ") && line.endsWith(" <<'EOF'")) {
                    int end = i + 1;
                    while (end < lines.size() && !lines.get(end).equals("EOF")) {
                        end++;
                    }
                    assertTrue(end < lines.size(), "a heredoc without its EOF line: " + line);
                    String file = line.substring("cat > ".length(), line.length() - " <<'EOF'".length());
                    Files.writeString(Path.of(local(file)), local(String.join("\n", lines.subList(i + 1, end))) + "\n");
                    i = end;
                } else if (!line.isEmpty()) {
                    run(words(local(line)));
                    if (serverPids.isEmpty() && line.startsWith("etc/examples/") && !line.endsWith(" stop")) {
                        serverPids.addAll(pids());
                        assertEquals(3, serverPids.size(), "the script starts three servers");
                    }
                }
            }
            assertFalse(serverPids.isEmpty(), "the section starts the cluster with the script");
            for (long pid : serverPids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                        "nats-server " + pid + " still runs after the script's stop");
            }
        } catch (AssertionError | Exception e) {
            System.out.println(logTails());
            throw e;
        } finally {
            // whatever happened, nothing of ours is left running
            if (agentConfig != null) {
                cluster.keep(JavaProcess.start("fail2ban-clusterd stop", AgentMain.class, "--config", agentConfig,
                        "stop")).awaitExit(Cluster.WAIT);
            }
            script(dir.toString(), "stop");
        }
    }

    /** Runs one command line of the doc, the doc's folder and ports already replaced by the test's. */
    private void run(List<String> words) throws IOException {
        String[] args = words.subList(1, words.size()).toArray(String[]::new);
        switch (words.get(0)) {
            case "etc/examples/nats-cluster-one-machine.sh" -> {
                JavaProcess script = script(args);
                assertEquals(0, script.process().exitValue(), script.output());
            }
            case "bin/fail2ban-clusterd" -> {
                if (words.contains("start")) {
                    agentConfig = words.get(words.indexOf("--config") + 1);
                }
                JavaProcess agent = cluster.keep(JavaProcess.start("fail2ban-clusterd " + String.join(" ", args),
                        AgentMain.class, args));
                assertEquals(0, agent.awaitExit(Cluster.WAIT), agent.output());
                if (words.contains("status")) {
                    assertTrue(agent.output().contains("nats:FAIL2BAN_CLUSTER@"), agent.output());
                }
            }
            case "bin/fail2ban-cluster-client" -> {
                JavaProcess client = cluster.keep(JavaProcess.start("fail2ban-cluster-client", ClientMain.class, args));
                assertEquals(0, client.awaitExit(Cluster.WAIT), client.output());
            }
            case "ls" -> {
                // the action runs once the agent has the ban from the stream: a moment after the client returned
                Path glob = Path.of(args[0]);
                String prefix = glob.getFileName().toString().replace("*", "");
                await().atMost(Cluster.WAIT).until(() -> {
                    try (Stream<Path> files = Files.list(glob.getParent())) {
                        return files.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
                    }
                });
            }
            default -> fail("docs/nats.md's one-machine section has a command this test cannot run: " + words);
        }
    }

    /** The script with {@code args} (its folder first) and the test's ports, run to its end. */
    private JavaProcess script(String... args) {
        List<String> command = new ArrayList<>(List.of("env", "NATS_SERVER=" + NatsServers.BINARY,
                "NATS_PORT=" + ports[0], "NATS_CLUSTER_PORT=" + ports[1], "NATS_HTTP_PORT=" + ports[2],
                SCRIPT.toString()));
        command.addAll(List.of(args));
        JavaProcess script = cluster.keep(JavaProcess.startCommand("nats-cluster-one-machine.sh", command, null));
        script.awaitExit(Cluster.WAIT);
        return script;
    }

    /** The pids the script wrote for its three servers. */
    private List<Long> pids() throws IOException {
        List<Long> pids = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            pids.add(Long.parseLong(Files.readString(dir.resolve("n" + n + ".pid")).trim()));
        }
        return pids;
    }

    /** The lines of the section's sh blocks, without comments and trailing comments. */
    static List<String> commandsOf(String doc) {
        int start = doc.indexOf("\n" + SECTION + "\n");
        assertTrue(start >= 0, "docs/nats.md has no section " + SECTION);
        int end = doc.indexOf("\n## ", start + 1);
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        List<String> lines = new ArrayList<>();
        boolean inSh = false;
        for (String line : section.split("\n")) {
            if (line.startsWith("```")) {
                inSh = !inSh && line.equals("```sh");
            } else if (inSh && !line.startsWith("#")) {
                int comment = line.indexOf("  # ");
                lines.add((comment < 0 ? line : line.substring(0, comment)).stripTrailing());
            }
        }
        return lines;
    }

    /** The doc's folder and ports replaced by the test's. */
    private String local(String text) {
        String out = text.replace(DOC_DIR, dir.toString());
        for (int kind = 0; kind < 3; kind++) {
            for (int n = 0; n < 3; n++) {
                out = out.replace("127.0.0.1:" + (DOC_PORTS[kind] + n), "127.0.0.1:" + (ports[kind] + n));
            }
        }
        return out;
    }

    /** A command line split as sh splits this doc's lines: words, "..." and '...' quoting. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (c == ' ') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }

    /** The first of three consecutive ports nobody listens on, away from the kernel's ephemeral range. */
    private static int freePorts() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int first = ThreadLocalRandom.current().nextInt(10_000, 30_000);
            if (free(first) && free(first + 1) && free(first + 2)) {
                return first;
            }
        }
        throw new IOException("no three free consecutive ports found");
    }

    private static boolean free(int port) {
        try {
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of every log in the folder: the three servers' and the agent's. */
    private String logTails() throws IOException {
        StringBuilder out = new StringBuilder();
        if (dir == null || !Files.isDirectory(dir)) {
            return "";
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                out.append("---- tail of ").append(log).append(" ----\n");
                lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                        .forEach(l -> out.append(l).append('\n'));
            }
        }
        return out.toString();
    }
}
