package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.Broker;
import io.fail2bancluster.broker.BrokerOptions;
import io.fail2bancluster.client.ClientMain;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code fail2ban-cluster-client} as a real process against real brokers on 127.0.0.1, each target
 * watched by a raw-socket subscriber.
 */
class ClientPublishIT {
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7, note=a!b";
    private static final String DELIVERED = "Fail2ban!" + BAN + "\n";
    private static final Duration EXIT_WITHIN = Cluster.WAIT;

    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void publishReachesARawSubscriberOfABrokerProcessByteForByte() throws Exception {
        int port = cluster.broker().port();
        RawSubscriber subscriber = keep(new RawSubscriber(port, "Fail2ban"));

        JavaProcess client = client("--host=127.0.0.1", "-p", String.valueOf(port), "-c", "Fail2ban", "-m", BAN);

        assertEquals(0, client.awaitExit(EXIT_WITHIN), client.output());
        assertEquals(List.of(), client.stderr());
        assertEquals(DELIVERED, subscriber.readLine());
        assertEquals("", subscriber.receivedUntilPingReply(), "delivered once, nothing else");
    }

    @Test
    void configWithThreeServersReachesEachOnce() throws Exception {
        List<Broker> brokers = List.of(broker(0), broker(0), broker(0));
        List<RawSubscriber> subscribers = new ArrayList<>();
        for (Broker broker : brokers) {
            subscribers.add(keep(new RawSubscriber(broker.port(), "Fail2ban")));
        }
        Path config = config(brokers.get(0).port(), brokers.get(1).port(), brokers.get(2).port());

        JavaProcess client = client("-c", "Fail2ban", "-m", BAN, "--config=" + config);

        assertEquals(0, client.awaitExit(EXIT_WITHIN), client.output());
        for (RawSubscriber subscriber : subscribers) {
            assertEquals(DELIVERED, subscriber.readLine());
            assertEquals("", subscriber.receivedUntilPingReply(), "delivered once, nothing else");
        }
    }

    @Test
    void oneServerDownFailsNamingItWhileTheOthersReceive() throws Exception {
        Broker first = broker(0);
        Broker third = broker(0);
        RawSubscriber firstSubscriber = keep(new RawSubscriber(first.port(), "Fail2ban"));
        RawSubscriber thirdSubscriber = keep(new RawSubscriber(third.port(), "Fail2ban"));
        int down = Cluster.unusedPort();

        JavaProcess client = client("publish", "--config", config(first.port(), down, third.port()).toString(),
                "-c", "Fail2ban", "-m", BAN);

        assertEquals(1, client.awaitExit(EXIT_WITHIN), client.output());
        assertEquals(List.of("fail2ban-cluster-client: 127.0.0.1:" + down + ": connection refused"), client.stderr());
        assertEquals(DELIVERED, firstSubscriber.readLine());
        assertEquals(DELIVERED, thirdSubscriber.readLine());
    }

    @Test
    void brokerAtItsClientLimitFailsNamingIt() throws Exception {
        Broker full = broker(1);
        keep(new RawSubscriber(full.port(), "Fail2ban"));
        Broker open = broker(0);
        RawSubscriber openSubscriber = keep(new RawSubscriber(open.port(), "Fail2ban"));

        JavaProcess client = client("--config", config(full.port(), open.port()).toString(),
                "-c", "Fail2ban", "-m", BAN);

        assertEquals(1, client.awaitExit(EXIT_WITHIN), client.output());
        assertEquals(List.of("fail2ban-cluster-client: 127.0.0.1:" + full.port()
                + ": server is full (it answered debug!busy)"), client.stderr());
        assertEquals(DELIVERED, openSubscriber.readLine());
        assertEquals(0, full.stats().totalAnnouncements());
    }

    @Test
    void serverThatAcceptsAndNeverGreetsFailsAtTheDeadline() throws Exception {
        // the kernel completes the handshake from the backlog; nobody ever calls accept() or writes
        ServerSocket mute = keep(new ServerSocket(0, 10, InetAddress.getLoopbackAddress()));

        JavaProcess client = client("--host", "127.0.0.1", "-p", String.valueOf(mute.getLocalPort()),
                "--timeout", "1", "-c", "Fail2ban", "-m", BAN);

        assertEquals(1, client.awaitExit(EXIT_WITHIN), client.output());
        assertEquals(List.of("fail2ban-cluster-client: 127.0.0.1:" + mute.getLocalPort()
                + ": the server accepted the connection but never answered within 1 s; is it a fanout server?"),
                client.stderr());
    }

    @Test
    void newlineInTheMessageIsRefusedWithNothingSent() throws Exception {
        Broker broker = broker(0);
        RawSubscriber subscriber = keep(new RawSubscriber(broker.port(), "Fail2ban"));

        JavaProcess client = client("--host", "127.0.0.1", "-p", String.valueOf(broker.port()),
                "-c", "Fail2ban", "-m", "ip=192.0.2.7\nsubscribe Secret");

        assertEquals(2, client.awaitExit(EXIT_WITHIN), client.output());
        assertTrue(client.stderr().get(0).startsWith("fail2ban-cluster-client: refused, nothing sent: message"),
                client.output());
        assertEquals("", subscriber.receivedUntilPingReply());
        assertEquals(1, broker.stats().totalConnections(), "only the subscriber ever connected");
    }

    private JavaProcess client(String... args) {
        return keep(JavaProcess.start("client", ClientMain.class, args));
    }

    private Broker broker(int clientLimit) {
        return keep(Broker.start(BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0)
                .withThreads(1).withClientLimit(clientLimit)));
    }

    /** A config in the original format with one server per port, each carrying channel Fail2ban. */
    private Path config(int... ports) throws IOException {
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (int port : ports) {
            yaml.append("  - host: 127.0.0.1\n    port: ").append(port)
                    .append("\n    channels:\n      - name: Fail2ban\n");
        }
        Path file = Files.createTempFile(cluster.dir(), "cluster", ".yml");
        Files.writeString(file, yaml);
        return file;
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return cluster.keep(resource);
    }
}
