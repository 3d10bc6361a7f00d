package io.fail2bancluster.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fail2bancluster.client.FakeFanoutServer.Behaviour;
import io.fail2bancluster.config.ClusterConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ban, unban and import through the real client against a fake fanout server. */
class BanCommandsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void banPublishesFail2bansMessageWithTheHostnameAndTheDuration() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = config(server);
            int status = run(path -> config, "ban", "2001:DB8::7", "--duration", "7d", "--reason", "by hand",
                    "--config", "/etc/test.yml");
            assertEquals(0, status, stderr());
            awaitClosed(server);
            assertEquals("announce Fail2ban jail=sshd, action=banip, ip=2001:db8::7, source=" + config.hostname()
                    + ", bantime=604800, reason=by hand\nping\n", server.received(0));
            assertEquals("fail2ban-cluster-client ban: 2001:db8::7 banned in jail sshd for 7d, accepted by 1 server(s)\n",
                    stdout());
            assertEquals("", stderr());
        }
    }

    @Test
    void unbanTakesTheJailAndTheHostOptionsOfPublish() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            int status = run(noConfig(), "unban", "--jail", "nginx", "192.0.2.0/24", "--host", "127.0.0.1",
                    "-p", String.valueOf(server.port()), "-c", "Blocks");
            assertEquals(0, status, stderr());
            awaitClosed(server);
            assertEquals("announce Blocks jail=nginx, action=unbanip, ip=192.0.2.0/24, source="
                    + ClusterConfig.machineHostname() + "\nping\n", server.received(0));
        }
    }

    @Test
    void badArgumentsSendNothingAndExitTwo() {
        assertEquals(2, run(noConfig(), "ban", "10.0.0.5/24", "--host", "127.0.0.1"));
        assertTrue(stderr().contains("did you mean 10.0.0.0/24 (the block), or 10.0.0.5 (the one address)?"), stderr());
        assertTrue(stderr().contains("Try 'fail2ban-cluster-client ban --help'"), stderr());
        assertEquals(2, run(noConfig(), "ban", "192.0.2.7", "--duration", "forever", "--host", "127.0.0.1"));
        assertEquals(2, run(noConfig(), "ban", "--host", "127.0.0.1"));
        assertEquals(2, run(noConfig(), "unban", "192.0.2.7", "--duration", "4h", "--host", "127.0.0.1"));
        assertEquals(2, run(noConfig(), "ban", "192.0.2.7", "-m", "jail=x", "--host", "127.0.0.1"));
    }

    @Test
    void aServerThatDoesNotAnswerFailsTheBanWithExitOne() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.BUSY)) {
            assertEquals(1, run(noConfig(), "ban", "192.0.2.7", "--host", "127.0.0.1", "-p",
                    String.valueOf(server.port())));
            assertTrue(stderr().contains("server is full"), stderr());
        }
    }

    @Test
    void importPipelinesTheWholeListOverOneConnection() throws IOException {
        StringBuilder list = new StringBuilder("# test list\n\n");
        for (int i = 0; i < 2500; i++) {
            list.append("10.").append(i / 250).append('.').append(i % 250).append(".0/24\n");
        }
        Path file = Files.writeString(dir.resolve("list.txt"), list);
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = config(server);
            int status = run(path -> config, "import", file.toString(), "--duration", "1d", "--jail", "recidive");
            assertEquals(0, status, stderr());
            awaitClosed(server);
            assertEquals(1, server.connections());
            List<String> lines = server.received(0).lines().toList();
            assertEquals(2501, lines.size());
            assertEquals("announce Fail2ban jail=recidive, action=banip, ip=10.0.0.0/24, source=" + config.hostname()
                    + ", bantime=86400", lines.get(0));
            assertEquals("ping", lines.get(2500));
            assertTrue(stdout().startsWith("fail2ban-cluster-client import: 2500 ban(s) from " + file
                    + ", jail recidive, bantime 86400 s: accepted by 1 of 1 server(s) in "), stdout());
            assertEquals("", stderr(), "no progress line when stderr is not a terminal");
        }
    }

    @Test
    void importWithABadLineSendsNothing() throws IOException {
        Path file = Files.writeString(dir.resolve("list.txt"), "192.0.2.7\n192.0.2.300\n");
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            assertEquals(2, run(path -> config(server), "import", file.toString()));
            assertTrue(stderr().startsWith("fail2ban-cluster-client import: " + file + ":2: '192.0.2.300' is not"),
                    stderr());
            assertTrue(stderr().contains("; nothing sent"), stderr());
            assertEquals(0, server.connections());
        }
    }

    @Test
    void importReadsStandardInput() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            int status = ImportCommand.run(List.of("-", "--host", "127.0.0.1", "-p", String.valueOf(server.port())),
                    new ByteArrayInputStream("192.0.2.7\n".getBytes(StandardCharsets.UTF_8)), out(), errStream(),
                    noConfig(), new Publisher(), false);
            assertEquals(0, status, stderr());
            awaitClosed(server);
            assertTrue(server.received(0).startsWith("announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, "),
                    server.received(0));
        }
    }

    @Test
    void eachCommandHasItsHelp() {
        for (String command : List.of("ban", "unban", "import", "bans")) {
            out.reset();
            assertEquals(0, run(noConfig(), command, "--help"));
            assertTrue(stdout().startsWith("Usage: fail2ban-cluster-client " + command + " "), stdout());
        }
    }

    private static ClusterConfig config(FakeFanoutServer server) {
        return ClientMainTest.config(ClientMainTest.server(server, "Fail2ban"));
    }

    private int run(Function<Path, ClusterConfig> loadConfig, String... args) {
        return ClientMain.run(args, out(), errStream(), loadConfig, new Publisher());
    }

    private PrintStream out() {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    private PrintStream errStream() {
        return new PrintStream(err, true, StandardCharsets.UTF_8);
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

    private static void awaitClosed(FakeFanoutServer server) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.closedByClient() >= 1);
    }
}
