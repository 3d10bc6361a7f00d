package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.fail2bancluster.harness.NatsServerProcess;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real {@code nats-server} processes with JetStream on 127.0.0.1, each with its own store directory and
 * log under the test's temporary directory: one node or a cluster. A test skips, saying why, when
 * nats-server is not installed; a failing test prints the tail of every server's log.
 */
final class NatsServers implements BeforeEachCallback, AfterEachCallback {
    static final Path BINARY = findBinary();
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Node> nodes = new ArrayList<>();
    private Path dir;

    /** One nats-server: its client URL, cluster port, store and log. */
    final class Node {
        final String name;
        final int port;
        final int clusterPort;
        final Path store;
        final Path log;
        private final List<String> command;
        private Process process;

        private Node(String name, int port, int clusterPort, List<String> command, Path store, Path log) {
            this.name = name;
            this.port = port;
            this.clusterPort = clusterPort;
            this.command = command;
            this.store = store;
            this.log = log;
        }

        String url() {
            return "nats://127.0.0.1:" + port;
        }

        void start() throws IOException {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolveSibling(name + ".out").toFile())).start();
            await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(50)).until(() -> NatsServerProcess.accepts(port));
        }

        /** kill -9: no goodbye to the cluster, no flush of the store. */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (BINARY == null) {
            System.out.println("SKIPPED " + context.getDisplayName() + ": nats-server is not installed "
                    + "(apt-get install nats-server; .ci/run does)");
        }
        Assumptions.assumeTrue(BINARY != null, "nats-server is not installed (apt-get install nats-server)");
        dir = Files.createTempDirectory("f2bc-nats");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (dir == null) {
            return;
        }
        try {
            if (context.getExecutionException().isPresent()) {
                System.out.println(logTails());
            }
            for (Node node : nodes) {
                if (node.isAlive()) {
                    node.kill();
                }
            }
        } finally {
            nodes.clear();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            dir = null;
        }
    }

    Path dir() {
        return dir;
    }

    /** One JetStream server, started. */
    Node single() throws IOException {
        int port = Cluster.unusedPort();
        Path store = Files.createDirectories(dir.resolve("n0"));
        Path log = dir.resolve("n0.log");
        Node node = new Node("n0", port, 0, List.of(BINARY.toString(), "-js", "-a", "127.0.0.1", "-p",
                String.valueOf(port), "-n", "n0", "-sd", store.toString(), "-l", log.toString()), store, log);
        nodes.add(node);
        node.start();
        return node;
    }

    /** A JetStream cluster of {@code size} servers routed to each other, started. */
    List<Node> cluster(int size) throws IOException {
        List<Integer> ports = new ArrayList<>();
        List<Integer> clusterPorts = new ArrayList<>();
        List<Integer> monitorPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(Cluster.unusedPort());
            clusterPorts.add(Cluster.unusedPort());
            monitorPorts.add(Cluster.unusedPort());
        }
        List<Node> started = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            StringJoiner routes = new StringJoiner(",");
            for (int j = 0; j < size; j++) {
                if (j != i) {
                    routes.add("nats://127.0.0.1:" + clusterPorts.get(j));
                }
            }
            String name = "n" + i;
            Path store = Files.createDirectories(dir.resolve(name));
            Path log = dir.resolve(name + ".log");
            Node node = new Node(name, ports.get(i), clusterPorts.get(i), List.of(BINARY.toString(), "-js",
                    "-a", "127.0.0.1", "-p", String.valueOf(ports.get(i)), "-m", String.valueOf(monitorPorts.get(i)),
                    "-n", name, "-sd", store.toString(),
                    "--cluster_name", "f2bc", "--cluster", "nats://127.0.0.1:" + clusterPorts.get(i),
                    "--routes", routes.toString(), "-l", log.toString()), store, log);
            nodes.add(node);
            started.add(node);
        }
        for (Node node : started) {
            node.start();
        }
        await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> monitorPorts.stream().anyMatch(port -> metaLeaderSeesAllPeers(port, size)));
        return started;
    }

    /**
     * Whether the server monitored on {@code port} is the JetStream meta leader and counts the other
     * {@code size - 1} servers as current peers: until then a stream with as many replicas as servers finds
     * "no suitable peers for placement", which is the cluster still forming, not what a test is about.
     */
    private static boolean metaLeaderSeesAllPeers(int port, int size) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jsz?leader-only=true"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return false;
            }
            JsonValue meta = JsonParser.parse(response.body()).map.get("meta_cluster");
            JsonValue replicas = meta == null ? null : meta.map.get("replicas");
            if (replicas == null || replicas.array == null || replicas.array.size() != size - 1) {
                return false;
            }
            return replicas.array.stream().allMatch(r -> r.map.get("current") != null
                    && Boolean.TRUE.equals(r.map.get("current").bool));
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code nats://127.0.0.1:a,nats://127.0.0.1:b,...}: the form --nats and the config take. */
    static String urls(List<Node> nodes) {
        StringJoiner urls = new StringJoiner(",");
        nodes.forEach(n -> urls.add(n.url()));
        return urls.toString();
    }

    /** The last lines of every server's log, for a failing test. */
    String logTails() throws IOException {
        StringBuilder out = new StringBuilder();
        for (Node node : nodes) {
            for (Path file : List.of(node.log, node.log.resolveSibling(node.name + ".out"))) {
                if (!Files.exists(file)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(file);
                out.append("---- tail of ").append(file).append(" ----\n");
                lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                        .forEach(l -> out.append(l).append('\n'));
            }
        }
        return out.toString();
    }

    private static Path findBinary() {
        return NatsServerProcess.binary().orElse(null);
    }
}
