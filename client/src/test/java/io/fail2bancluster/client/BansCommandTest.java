package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.nats.StoredMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BansCommandTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void theStreamsBansInForceAreTheCatchUpsOfAHostWithoutState() {
        List<StoredMessage> stored = List.of(
                stored(1, T0.minusSeconds(700), "jail=sshd, action=banip, ip=192.0.2.1, source=a, bantime=600"),
                stored(2, T0.minusSeconds(100), "jail=sshd, action=banip, ip=192.0.2.2, source=b, bantime=600"),
                stored(3, T0.minusSeconds(100), "jail=sshd, action=banip, ip=10.0.0.0/8, source=c, bantime=-1"),
                stored(4, T0.minusSeconds(100), "jail=sshd, action=unbanip, ip=192.0.2.3, source=a"),
                stored(5, T0.minusSeconds(100), "jail=sshd, action=banip, ip=192.0.2.4, source=d"),
                stored(6, T0.minusSeconds(100), "jail=sshd, action=banip, ip=not-an-address, bantime=600"));
        List<BanRow> rows = StreamBans.inForce(stored, Duration.ofDays(30), T0);
        assertEquals(List.of("192.0.2.2 until 2026-12-07T10:08:20Z", "10.0.0.0/8 until permanent",
                "192.0.2.4 until 2027-01-06T09:58:20Z"),
                rows.stream().map(r -> r.address() + " until " + r.until().map(Instant::toString).orElse("permanent"))
                        .toList());
    }

    @Test
    void theTableIsSortedByUntilAndTheJsonHasEpochSecondsAndNullForPermanent() throws IOException {
        Path socket = dir.resolve("control.sock");
        AtomicReference<String> asked = new AtomicReference<>();
        try (FakeAgent agent = new FakeAgent(socket, asked, "ok\ncount: 3\n"
                + "ban.1: 10.0.0.0/8 sshd web1 1765101600 permanent Fail2ban\n"
                + "ban.2: 192.0.2.7 sshd web2 1765101600 1765105200 Fail2ban\n"
                + "ban.3: 2001:db8::1 nginx - 1765101600 1765102000 Fail2ban\n\n")) {
            assertEquals(0, run("bans", "--agent", socket.toString()), err.toString());
            assertEquals("bans", asked.get());
            assertEquals("""
                    ADDRESS      JAIL   SOURCE  SINCE                UNTIL
                    2001:db8::1  nginx  -       2025-12-07 10:00:00  2025-12-07 10:06:40
                    192.0.2.7    sshd   web2    2025-12-07 10:00:00  2025-12-07 11:00:00
                    10.0.0.0/8   sshd   web1    2025-12-07 10:00:00  permanent
                    3 ban(s) in force
                    """, out.toString(StandardCharsets.UTF_8));
        }
        out.reset();
        try (FakeAgent agent = new FakeAgent(socket, asked, "ok\ncount: 2\n"
                + "ban.1: 10.0.0.0/8 sshd web1 1765101600 permanent Fail2ban\n"
                + "ban.2: 192.0.2.7 sshd web2 1765101600 1765105200 Fail2ban\n\n")) {
            assertEquals(0, run("bans", "--agent=" + socket, "--ip", "10.1.2.3", "--jail", "sshd", "-c", "Fail2ban",
                    "--json"), err.toString());
            assertEquals("bans channel=Fail2ban jail=sshd ip=10.1.2.3", asked.get());
            assertEquals("""
                    [
                      {"ip": "10.0.0.0/8", "jail": "sshd", "source": "web1", "since": 1765101600, "until": null, "channel": "Fail2ban"}
                    ]
                    """, out.toString(StandardCharsets.UTF_8), "the client filters too: 192.0.2.7 does not cover 10.1.2.3");
        }
    }

    @Test
    void anAgentThatDoesNotAnswerIsExitOne() {
        assertEquals(1, run("bans", "--agent", dir.resolve("none.sock").toString()));
        assertTrue(err.toString().contains("bans: the agent on " + dir.resolve("none.sock") + ": no agent answers"),
                err.toString());
        assertEquals("no bans in force\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutAConfigItSaysHowElseToAsk() {
        int status = BansCommand.run(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), path -> {
                    throw new ConfigException(path.toString(), "", "no such file", 0);
                }, CLOCK);
        assertEquals(2, status);
        assertTrue(err.toString().contains("no such file; without --config the servers come from it: give --config "
                + "FILE, or --agent to ask the local agent"), err.toString());
    }

    @Test
    void badArgumentsAreExitTwo() {
        assertEquals(2, run("bans", "--ip", "10.0.0.5/24", "--agent"));
        assertEquals(2, run("bans", "--agent", "--config", "x.yml"));
        assertEquals(2, run("bans", "extra", "--agent"));
        assertEquals(2, run("bans", "-m", "x"));
    }

    @Test
    void jsonStringsAreEscaped() {
        StringBuilder json = new StringBuilder();
        BansTable.string(json, "a\"b\\c\u0001");
        assertEquals("\"a\\\"b\\\\c\\u0001\"", json.toString());
    }

    private int run(String... args) {
        return BansCommand.run(List.of(args).subList(1, args.length), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), path -> {
                    throw new AssertionError("no config here");
                }, CLOCK);
    }

    private static StoredMessage stored(long sequence, Instant at, String message) {
        return new StoredMessage(sequence, at, "Fail2ban", message, OptionalLong.empty());
    }

    /** A control socket that answers one request with a canned reply. */
    private static final class FakeAgent implements AutoCloseable {
        private final ServerSocketChannel server;
        private final Path socket;

        FakeAgent(Path socket, AtomicReference<String> asked, String reply) throws IOException {
            this.socket = socket;
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread thread = new Thread(() -> {
                try (SocketChannel peer = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(4096);
                    StringBuilder request = new StringBuilder();
                    while (request.indexOf("\n") < 0 && peer.read(in) >= 0) {
                        request.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
                        in.clear();
                    }
                    asked.set(request.toString().strip());
                    peer.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    // the test fails on what it did not get
                }
            });
            thread.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(socket);
        }
    }
}
