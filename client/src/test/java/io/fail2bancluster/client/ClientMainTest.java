package io.fail2bancluster.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fail2bancluster.client.FakeFanoutServer.Behaviour;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientMainTest {
    private static final String BAN = "jail=sshd, action=banip, ip=192.168.0.1";
    private static final String SENT = "announce Fail2ban " + BAN + "\nping\n";
    private static final Path CONFIG = Path.of("/etc/test-cluster.yml");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void originalHostFormReachesThatHostAndExitsZero() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            // the documented line, with only the host and port replaced so that it can connect
            List<String> argv = new ArrayList<>(CommandLines.fromExampleConfig().get(1));
            argv.set(argv.indexOf("--host=host.example.com"), "--host=127.0.0.1");
            argv.set(argv.indexOf("1234"), String.valueOf(server.port()));

            assertEquals(0, run(noConfig(), argv.toArray(String[]::new)), stderr());

            awaitClosedByClient(server);
            assertEquals(SENT, server.received(0));
            assertEquals("", stderr());
            assertEquals("", stdout());
        }
    }

    @Test
    void originalConfigFormReachesEveryServerCarryingTheChannelOnce() throws IOException {
        try (FakeFanoutServer a = new FakeFanoutServer(Behaviour.NORMAL);
                FakeFanoutServer b = new FakeFanoutServer(Behaviour.NORMAL);
                FakeFanoutServer other = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = config(server(a, "Fail2ban"), server(b, "Other", "Fail2ban"),
                    server(other, "Other"), server(a, "Fail2ban"));

            int status = run(path -> {
                assertEquals(ClusterConfig.DEFAULT_PATH, path);
                return config;
            }, CommandLines.fromExampleConfig().get(0).toArray(String[]::new));

            assertEquals(0, status, stderr());
            awaitClosedByClient(a);
            awaitClosedByClient(b);
            assertEquals(SENT, a.received(0));
            assertEquals(SENT, b.received(0));
            assertEquals(1, a.connections(), "a server listed twice is announced to once");
            assertEquals(0, other.connections());
        }
    }

    @Test
    void originalConfigFormWithTheExampleConfigFile(@TempDir Path dir) throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            // the shared example, with only its host and port replaced so that it can connect
            Path file = dir.resolve("fail2ban-cluster.yml");
            Files.writeString(file, CommandLines.exampleConfig()
                    .replace("host: host.example.com", "host: 127.0.0.1")
                    .replace("port: 1234", "port: " + server.port()));
            List<String> argv = new ArrayList<>(CommandLines.fromExampleConfig().get(0));
            argv.add("--config=" + file);

            assertEquals(0, ClientMain.run(argv.toArray(String[]::new), new PrintStream(out), new PrintStream(err),
                    ConfigLoader::load, new Publisher()), stderr());

            awaitClosedByClient(server);
            assertEquals(SENT, server.received(0));
        }
    }

    @Test
    void aConfigErrorIsReportedWithFileAndLineAndNothingIsSent(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("broken.yml");
        Files.writeString(file, "servers:\n  - host: a\n    port: many\n");

        int status = ClientMain.run(new String[] {"--config", file.toString(), "-c", "Fail2ban", "-m", BAN},
                new PrintStream(out), new PrintStream(err), ConfigLoader::load, neverPublish());

        assertEquals(2, status);
        assertTrue(stderr().startsWith("fail2ban-cluster-client: " + file + ": servers[0].port: "), stderr());
        assertTrue(stderr().contains("line 3"), stderr());
    }

    @Test
    void aMissingConfigFileIsReportedAndNothingIsSent(@TempDir Path dir) {
        Path file = dir.resolve("absent.yml");

        int status = ClientMain.run(new String[] {"--config", file.toString(), "-c", "Fail2ban", "-m", BAN},
                new PrintStream(out), new PrintStream(err), ConfigLoader::load, neverPublish());

        assertEquals(2, status);
        assertEquals("fail2ban-cluster-client: " + file + ": no such file\n", stderr());
    }

    @Test
    void aMissingDefaultConfigSuggestsHost() {
        int status = run(path -> {
            throw new ConfigException(path.toString(), "", "no such file", 0);
        }, neverPublish(), "-c", "Fail2ban", "-m", BAN);

        assertEquals(2, status);
        assertEquals("fail2ban-cluster-client: /etc/fail2ban-cluster.yml: no such file; without --config the servers"
                + " come from it: to announce to one fanout server without a config, give --host HOST [-p PORT]"
                + " (or --nats URL, or --agent to hand it to the local agent)\n", stderr());
    }

    @Test
    void failedServersAreNamedOneLineEachAndTheExitIsOne() throws IOException {
        try (FakeFanoutServer up = new FakeFanoutServer(Behaviour.NORMAL);
                FakeFanoutServer busy = new FakeFanoutServer(Behaviour.BUSY);
                FakeFanoutServer silent = new FakeFanoutServer(Behaviour.SILENT)) {
            int downPort = PublisherTest.unusedPort();
            ClusterConfig config = config(server(up, "Fail2ban"), server(busy, "Fail2ban"),
                    server("127.0.0.1", downPort, "Fail2ban"), server(silent, "Fail2ban"));

            int status = run(path -> config, "publish", "--config", CONFIG.toString(), "--timeout=0.5",
                    "-c", "Fail2ban", "-m", BAN);

            assertEquals(1, status);
            assertEquals(List.of(
                    "fail2ban-cluster-client: 127.0.0.1:" + busy.port() + ": server is full (it answered debug!busy)",
                    "fail2ban-cluster-client: 127.0.0.1:" + downPort + ": connection refused",
                    "fail2ban-cluster-client: 127.0.0.1:" + silent.port()
                            + ": the server accepted the connection but never answered within 500 ms; is it a fanout server?"),
                    stderr().lines().toList());
            awaitClosedByClient(up);
            assertEquals(SENT, up.received(0));
        }
    }

    @Test
    void verboseAlsoReportsTheServersThatAccepted() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            assertEquals(0, run(noConfig(), "--host", "127.0.0.1", "-p", String.valueOf(server.port()),
                    "-v", "-c", "Fail2ban", "-m", BAN));

            assertTrue(stderr().startsWith("fail2ban-cluster-client: 127.0.0.1:" + server.port() + ": accepted in "),
                    stderr());
        }
    }

    @Test
    void aMessageWithoutAnyPairIsSentWithAWarningThatQuietHides() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            String port = String.valueOf(server.port());
            assertEquals(0, run(noConfig(), "--host", "127.0.0.1", "-p", port, "-c", "Fail2ban", "-m", "hello world"));

            awaitClosedByClient(server);
            assertEquals("announce Fail2ban hello world\nping\n", server.received(0), "sent as the original would");
            assertEquals("fail2ban-cluster-client: warning: the message has no key=value pair, so no action can use it"
                    + " (e.g. -m \"jail=sshd, action=banip, ip=192.0.2.7\"); sending it anyway\n", stderr());
            err.reset();

            assertEquals(0, run(noConfig(), "--host", "127.0.0.1", "-p", port, "-q", "-c", "Fail2ban", "-m", "hello"));
            assertEquals("", stderr());
            assertEquals("", stdout());
        }
    }

    @Test
    void newlineInTheMessageIsRefusedAndNothingIsSent() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            int status = run(noConfig(), neverPublish(), "--host", "127.0.0.1", "-p", String.valueOf(server.port()),
                    "-c", "Fail2ban", "-m", "ip=192.0.2.7\nsubscribe secret");

            assertEquals(2, status);
            assertEquals("fail2ban-cluster-client: refused, nothing sent: message contains a newline (LF) at index 12;"
                    + " a message may not contain CR, LF or NUL\n", stderr());
            assertEquals(0, server.connections());
        }
    }

    @Test
    void spaceInTheChannelIsRefusedAndNothingIsSent() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            int status = run(noConfig(), neverPublish(), "--host", "127.0.0.1", "-p", String.valueOf(server.port()),
                    "-c", "Fail2ban extra", "-m", BAN);

            assertEquals(2, status);
            assertTrue(stderr().startsWith("fail2ban-cluster-client: refused, nothing sent: channel \"Fail2ban extra\""
                    + " contains a space at index 8"), stderr());
            assertEquals(0, server.connections());
        }
    }

    @Test
    void noServerWithTheChannelIsAnErrorNamingChannelAndFile() {
        ClusterConfig config = config(server("127.0.0.1", 1, "Other"), server("127.0.0.1", 2, "Third"));

        int status = run(path -> config, neverPublish(), "--config", CONFIG.toString(), "-c", "Fail2ban", "-m", BAN);

        assertEquals(2, status);
        assertEquals("fail2ban-cluster-client: no server in /etc/test-cluster.yml has a channel named \"Fail2ban\""
                + " (it has: Other, Third); nothing sent\n", stderr());
    }

    @Test
    void aNatsEntryCarryingTheChannelIsATargetAndItsFailureNamesTheCluster() throws IOException {
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        ClusterConfig config = ConfigLoader.parse("servers:\n  - host: 127.0.0.1\n    channels: [{name: Other}]\n"
                + "  - nats: [nats://127.0.0.1:" + port + "]\n    channels: [{name: Fail2ban}]\n", CONFIG.toString());

        int status = run(path -> config, "--config", CONFIG.toString(), "-c", "Fail2ban", "-m", BAN,
                "--timeout", "0.5");

        assertEquals(1, status);
        assertTrue(stderr().startsWith("fail2ban-cluster-client: nats://127.0.0.1:" + port
                + ": not reachable within the timeout"), stderr());
        assertEquals(1, stderr().lines().count(), stderr());
    }

    @Test
    void usageErrorExitsTwoWithTheErrorAndAPointerToHelp() {
        int status = run(noConfig(), neverPublish(), "-c", "Fail2ban");

        assertEquals(2, status);
        assertEquals("fail2ban-cluster-client: -m MESSAGE is required\n"
                + "Try 'fail2ban-cluster-client --help' for more information.\n", stderr());
        assertEquals("", stdout());
    }

    @Test
    void helpSaysPlainlyThatHereDashCIsTheChannel() {
        assertEquals(0, run(noConfig(), neverPublish(), "--help"));

        assertTrue(stdout().replaceAll("\\s+", " ").contains("-c, --channel CHANNEL channel to announce on (no space,"
                + " '!', CR, LF). Here -c is --channel, as in the original client; fail2ban-clusterd's -c is its"
                + " --config"), stdout());
    }

    @Test
    void helpAndVersionGoToStdoutAndExitZero() {
        assertEquals(0, run(noConfig(), neverPublish(), "--help"));
        assertTrue(stdout().startsWith("Usage: fail2ban-cluster-client [publish] -c CHANNEL -m MESSAGE"), stdout());
        out.reset();

        assertEquals(0, run(noConfig(), neverPublish(), "--version"));
        assertTrue(stdout().matches("fail2ban-cluster-client \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"), stdout());
        assertEquals("", stderr());
    }

    private int run(Function<Path, ClusterConfig> loadConfig, String... args) {
        return run(loadConfig, new Publisher(), args);
    }

    private int run(Function<Path, ClusterConfig> loadConfig, Publisher publisher, String... args) {
        return ClientMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), loadConfig, publisher);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static Function<Path, ClusterConfig> noConfig() {
        return path -> fail("the config must not be read, but " + path + " was");
    }

    /** A publisher whose every attempt to start an exchange fails the test. */
    private static Publisher neverPublish() {
        return new Publisher(task -> fail("nothing may be sent"));
    }

    private static void awaitClosedByClient(FakeFanoutServer server) {
        await().atMost(Duration.ofSeconds(5)).until(() -> server.closedByClient() >= 1);
    }

    static ServerConfig server(FakeFanoutServer fake, String... channels) {
        return server("127.0.0.1", fake.port(), channels);
    }

    static ServerConfig server(String host, int port, String... channels) {
        List<ChannelConfig> list = new ArrayList<>();
        for (String name : channels) {
            list.add(new ChannelConfig("servers[?].channels[" + list.size() + "]", name, Optional.empty(), List.of()));
        }
        return new ServerConfig("servers[?]", host, port, Duration.ofSeconds(60), Duration.ofSeconds(20), list);
    }

    static ClusterConfig config(ServerConfig... servers) {
        return new ClusterConfig(Optional.of(CONFIG), List.of(servers), ClusterConfig.DEFAULT_LOG_LEVEL,
                Optional.empty(), Optional.empty(), ClusterConfig.DEFAULT_RECONNECT_MIN,
                ClusterConfig.DEFAULT_RECONNECT_MAX, ClusterConfig.DEFAULT_DEDUPE_WINDOW,
                ClusterConfig.DEFAULT_EXEC_CONCURRENCY, ClusterConfig.DEFAULT_EXEC_QUEUE,
                ClusterConfig.DEFAULT_EXEC_TIMEOUT, ClusterConfig.DEFAULT_CONTROL_SOCKET);
    }
}
