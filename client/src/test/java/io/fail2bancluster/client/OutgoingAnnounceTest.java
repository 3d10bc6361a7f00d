package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.FakeFanoutServer.Behaviour;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client refuses what the receivers would drop (a line past max_line, a message past max_pairs or
 * max_value_length), with exit 2, the limit and its value named, and nothing sent: a server that records
 * every byte that arrives sees no connection at all.
 */
class OutgoingAnnounceTest {
    private static final String PREFIX = "announce Fail2ban ";

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Function<Path, ClusterConfig> config, String... args) {
        return ClientMain.run(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8), config, new Publisher());
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A message of {@code bytes} bytes in pairs whose values stay within the default max_value_length. */
    private static String messageOf(int bytes) {
        StringBuilder message = new StringBuilder("jail=sshd, action=banip, ip=192.0.2.7");
        int pair = 0;
        while (message.length() < bytes) {
            message.append(", k").append(pair++).append('=').append("v".repeat(1000));
        }
        message.setLength(bytes);
        return message.toString();
    }

    @Test
    void aLineOneBytePastTheBrokersDefaultMaxLineIsRefusedAndNothingIsSent() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            String port = String.valueOf(server.port());
            // 66 pairs of 1000 characters, more than max_pairs too: the line is what this checks, so allow them
            String longest = messageOf(65_536 - PREFIX.length());
            String config = "max_pairs: 100\nservers:\n  - host: 127.0.0.1\n    port: " + port
                    + "\n    channels: [{name: Fail2ban}]\n";
            Function<Path, ClusterConfig> load = path -> ConfigLoader.parse(config, "c.yml");

            assertEquals(0, run(load, "-c", "Fail2ban", "-m", longest), stderr());
            assertEquals(1, server.connections(), "a line of exactly max_line bytes is sent");

            assertEquals(2, run(load, "-c", "Fail2ban", "-m", longest + "x"));
            assertEquals("fail2ban-cluster-client: refused, nothing sent: the line \"announce Fail2ban MESSAGE\" is 65537"
                    + " bytes, more than max_line (65536); fanout servers and agents drop such a line\n", stderr());
            assertEquals(1, server.connections(), "nothing sent");
        }
    }

    @Test
    void theConfigsMaxLineIsTheLimitWithAConfig() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = ConfigLoader.parse("max_line: 1024\nservers:\n  - host: 127.0.0.1\n    port: "
                    + server.port() + "\n    channels: [{name: Fail2ban}]\n", "c.yml");

            assertEquals(2, run(path -> config, "-c", "Fail2ban", "-m", messageOf(2000)));

            assertTrue(stderr().contains("is " + (PREFIX.length() + 2000) + " bytes, more than max_line (1024)"), stderr());
            assertEquals(0, server.connections());
        }
    }

    @Test
    void aValuePastMaxValueLengthIsRefusedWithHostAndTheDefaultLimit() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            assertEquals(2, run(path -> { throw new AssertionError("no config with --host"); }, "--host", "127.0.0.1",
                    "-p", String.valueOf(server.port()), "-c", "Fail2ban", "-m",
                    "jail=sshd, action=banip, ip=192.0.2.7, note=" + "x".repeat(10 * 1024)));

            assertEquals("fail2ban-cluster-client: refused, nothing sent: the message has a value of 10240 characters,"
                    + " more than max_value_length (1024); agents drop such a message\n", stderr());
            assertEquals(0, server.connections());
        }
    }

    @Test
    void morePairsThanMaxPairsAreRefused() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            StringBuilder message = new StringBuilder("jail=sshd, action=banip, ip=192.0.2.7");
            for (int i = 0; i < 30; i++) {
                message.append(", k").append(i).append("=v");
            }

            assertEquals(2, run(path -> { throw new AssertionError("no config with --host"); }, "--host", "127.0.0.1",
                    "-p", String.valueOf(server.port()), "-c", "Fail2ban", "-m", message.toString()));

            assertTrue(stderr().contains("more than max_pairs (32) pairs; agents drop such a message"), stderr());
            assertEquals(0, server.connections());
        }
    }

    @Test
    void theAgentIsHandedNothingPastTheLimitsEither(@TempDir Path dir) {
        Path socket = dir.resolve("control.sock");

        assertEquals(2, run(path -> { throw new AssertionError("--agent reads no config"); }, "--agent",
                socket.toString(), "-c", "Fail2ban", "-m", "ip=192.0.2.7, note=" + "x".repeat(2000)));

        assertTrue(stderr().startsWith("fail2ban-cluster-client: refused, nothing sent: the message has a value of"
                + " 2000 characters"), stderr());
    }
}
