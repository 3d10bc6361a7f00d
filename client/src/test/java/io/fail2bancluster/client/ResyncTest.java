package io.fail2bancluster.client;

import static io.fail2bancluster.client.ClientMainTest.server;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.FakeFanoutServer.Behaviour;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResyncTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<String> sockets = new ArrayList<>();

    /** fail2ban as `fail2ban-client` would describe it. */
    private Fail2banBans fail2ban(String socket) {
        sockets.add(socket);
        Map<String, List<String>> jails = Map.of("sshd", List.of("192.0.2.7", "2001:db8::1"),
                "sshd-cluster", List.of("198.51.100.3"));
        return new Fail2banBans() {
            @Override
            public List<String> banned(String jail) throws IOException {
                List<String> banned = jails.get(jail);
                if (banned == null) {
                    throw new IOException("fail2ban-client get " + jail + " banned exited 255: Sorry but the jail '"
                            + jail + "' does not exist");
                }
                return banned;
            }

            @Override
            public List<String> jails() {
                return List.of("sshd", "sshd-cluster");
            }
        };
    }

    private int resync(ClusterConfig config, String... args) {
        return Resync.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), path -> config, new Publisher(), this::fail2ban);
    }

    private static ClusterConfig withHostname(ClusterConfig c, String hostname) {
        return new ClusterConfig(c.source(), c.servers(), c.logLevel(), c.logFile(), c.pidFile(), c.reconnectMin(),
                c.reconnectMax(), c.dedupeWindow(), c.execConcurrency(), c.execQueue(), c.execTimeout(),
                c.controlSocket(), Optional.of(hostname));
    }

    @Test
    void announcesEveryBanOfTheJailFromThisHost() throws IOException {
        try (FakeFanoutServer fanout = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = withHostname(ClientMainTest.config(server(fanout, "Fail2ban")), "a.example.com");

            assertEquals(0, resync(config, "--jail", "sshd", "--socket=/run/f2b-a.sock"), err.toString());

            await().atMost(Duration.ofSeconds(5)).until(() -> fanout.closedByClient() >= 2);
            assertEquals("announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, source=a.example.com\nping\n",
                    fanout.received(0));
            assertEquals("announce Fail2ban jail=sshd, action=banip, ip=2001:db8::1, source=a.example.com\nping\n",
                    fanout.received(1));
            assertEquals(2, fanout.connections());
            assertEquals(List.of("/run/f2b-a.sock"), sockets);
            assertTrue(out.toString().contains("announced 2 ban(s) to 1 server(s)"), out.toString());
        }
    }

    @Test
    void allTakesEveryJailAndSourceCanBeGiven() throws IOException {
        try (FakeFanoutServer fanout = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = ClientMainTest.config(server(fanout, "Bans"));

            assertEquals(0, resync(config, "--all", "-c", "Bans", "--source", "web1"), err.toString());

            await().atMost(Duration.ofSeconds(5)).until(() -> fanout.closedByClient() >= 3);
            assertEquals("announce Bans jail=sshd-cluster, action=banip, ip=198.51.100.3, source=web1\nping\n",
                    fanout.received(2));
        }
    }

    @Test
    void anUnknownJailSendsNothing() throws IOException {
        try (FakeFanoutServer fanout = new FakeFanoutServer(Behaviour.NORMAL)) {
            ClusterConfig config = withHostname(ClientMainTest.config(server(fanout, "Fail2ban")), "a");

            assertEquals(2, resync(config, "--jail", "sshd", "--jail", "nginx"));

            assertTrue(err.toString().contains("the jail 'nginx' does not exist; nothing sent"), err.toString());
            assertEquals(0, fanout.connections());
        }
    }

    @Test
    void aNatsOnlyConfigIsResyncedThroughItsNatsEntry() throws IOException {
        int port = PublisherTest.unusedPort();
        ClusterConfig config = ConfigLoader.parse("hostname: a\nservers:\n  - nats: [nats://127.0.0.1:" + port
                + "]\n    channels: [{name: Fail2ban}]\n", "nats-only.yml");

        assertEquals(1, resync(config, "--jail", "sshd-cluster", "--timeout", "0.5"));

        assertTrue(err.toString().startsWith("fail2ban-cluster-client resync: jail=sshd-cluster, action=banip,"
                + " ip=198.51.100.3, source=a: nats://127.0.0.1:" + port + ": not reachable within the timeout"),
                err.toString());
        assertTrue(out.toString().contains("announced 1 ban(s) to 1 server(s), 1 not accepted"), out.toString());
    }

    @Test
    void needsJailsOrAll() {
        ClusterConfig config = ClientMainTest.config(server("127.0.0.1", 1, "Fail2ban"));
        assertEquals(2, resync(config));
        assertTrue(err.toString().contains("give --jail JAIL (one or more) or --all"), err.toString());
    }

    @Test
    void parsesFail2banClientOutput() throws IOException {
        assertEquals(List.of("192.0.2.7", "2001:db8::1"), Fail2banBans.parseList("['192.0.2.7', '2001:db8::1']\n"));
        assertEquals(List.of(), Fail2banBans.parseList("[]\n"));
        assertThrows(IOException.class, () -> Fail2banBans.parseList("Sorry but the jail 'x' does not exist\n"));
        assertEquals(List.of("sshd", "sshd-cluster"), Fail2banBans.parseJailList("""
                Status
                |- Number of jail:\t2
                `- Jail list:\tsshd, sshd-cluster
                """));
    }
}
