package io.fail2bancluster.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fail2bancluster.client.FakeFanoutServer.Behaviour;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.MessageSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client signs with --secret-file, or with the channel's first secret file from the config. */
class ClientSigningTest {
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Path key(String name, String text, String mode) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private int run(Function<Path, ClusterConfig> config, String... args) {
        return ClientMain.run(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8), config, new Publisher());
    }

    /** The message of the one announce the server received, checked against {@code key}. */
    private static String announced(FakeFanoutServer server, Path key) {
        await().atMost(Duration.ofSeconds(5)).until(() -> server.received(0).contains("\nping\n"));
        String line = server.received(0).lines().filter(l -> l.startsWith("announce ")).findFirst().orElseThrow();
        String message = line.substring("announce Fail2ban ".length());
        Message parsed = Message.parse(message);
        MessageSignature.Signed fields = assertInstanceOf(MessageSignature.Signed.class, MessageSignature.fields(parsed));
        assertTrue(SigningKey.read(key).signature().verify("Fail2ban", parsed, fields.signature()), message);
        assertTrue(Math.abs(fields.epochSeconds() - Instant.now().getEpochSecond()) < 60, message);
        assertTrue(fields.nonce().matches("[0-9a-f]{32}"), message);
        return message;
    }

    @Test
    void secretFileSignsAnAnnounceToHost() throws IOException {
        Path key = key("k", "0123456789abcdef0123456789abcdef\n", "rw-------");
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            assertEquals(0, run(path -> fail("no config with --host"), "--host", "127.0.0.1", "-p",
                    String.valueOf(server.port()), "--secret-file", key.toString(), "-c", "Fail2ban", "-m", BAN), err.toString());
            assertTrue(announced(server, key).startsWith(BAN + ", ts="));
        }
    }

    @Test
    void theChannelsFirstSecretFileSignsWhenTheConfigIsUsed() throws IOException {
        Path current = key("current", "current key, at least 16 bytes", "rw-------");
        Path old = key("old", "old key, at least 16 bytes too", "r--------");
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = ConfigLoader.parse("""
                    servers:
                      - host: 127.0.0.1
                        port: %d
                        channels:
                          - name: Fail2ban
                            secret_files: [%s, %s]
                    """.formatted(server.port(), current, old), "c.yml");
            assertEquals(0, run(path -> config, "-c", "Fail2ban", "-m", BAN), err.toString());
            announced(server, current);
        }
    }

    @Test
    void anUnusableKeyOrAMessageThatLooksSignedSendsNothing() throws IOException {
        Path open = key("open", "0123456789abcdef0123456789abcdef", "rw-r--r--");
        Path good = key("good", "0123456789abcdef0123456789abcdef", "rw-------");
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            String port = String.valueOf(server.port());
            assertEquals(2, run(path -> fail("no config"), "--host", "127.0.0.1", "-p", port, "--secret-file",
                    open.toString(), "-c", "Fail2ban", "-m", BAN));
            assertEquals("fail2ban-cluster-client: refused, nothing sent: cannot sign: " + open + " is readable by its "
                    + "group or others (mode rw-r--r--); make it readable by its owner only (chmod 600)\n", err.toString());
            err.reset();
            assertEquals(2, run(path -> fail("no config"), "--host", "127.0.0.1", "-p", port, "--secret-file",
                    good.toString(), "-c", "Fail2ban", "-m", BAN + ", sig=00"));
            assertEquals("fail2ban-cluster-client: refused, nothing sent: cannot sign: the message already has a 'sig' "
                    + "pair; ts, nonce and sig are added by signing\n", err.toString());
            assertEquals(0, server.connections());
        }
    }
}
