package io.fail2bancluster.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.FakeFanoutServer.Behaviour;
import io.fail2bancluster.config.TlsConfig;
import io.fail2bancluster.protocol.Command;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PublisherTest {
    private static final Command.Announce BAN =
            new Command.Announce("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7, note=a!b");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Publisher publisher = new Publisher();

    @Test
    void writesTheAnnounceThenAPingByteForByteAndIsAccepted() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            List<PublishResult> results = publisher.publish(List.of(server.target()), BAN, TIMEOUT);

            assertEquals(1, results.size());
            assertTrue(results.get(0).accepted(), results.get(0).toString());
            assertEquals(server.target(), results.get(0).destination());
            awaitClosedByClient(server, 1);
            assertEquals("announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, note=a!b\nping\n", server.received(0));
            assertEquals(1, server.connections());
        }
    }

    @Test
    void skipsBroadcastsDebugLinesAndOverlongLinesBeforeThePingReply() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NOISY)) {
            PublishResult result = publisher.publish(List.of(server.target()), BAN, TIMEOUT).get(0);

            assertTrue(result.accepted(), result.toString());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            BUSY               | server is full (it answered debug!busy)
            CLOSE_BEFORE_REPLY | connection closed before the ping reply; the announce may not have arrived
            WRONG_GREETING     | not a fanout server? its first line was "SSH-2.0-OpenSSH_9.2\\r"
            """)
    void failsWithAReasonAnOperatorCanAct(Behaviour behaviour, String reason) throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(behaviour)) {
            PublishResult result = publisher.publish(List.of(server.target()), BAN, TIMEOUT).get(0);

            assertFalse(result.accepted());
            assertEquals(reason, result.reason());
        }
    }

    @Test
    void serverThatNeverGreetsFailsAtTheDeadlineWithNothingSent() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.SILENT)) {
            PublishResult result = publisher.publish(List.of(server.target()), BAN, Duration.ofMillis(300)).get(0);

            assertFalse(result.accepted());
            assertEquals("the server accepted the connection but never answered within 300 ms; is it a fanout server?",
                    result.reason());
            awaitClosedByClient(server, 1);
            assertEquals("", server.received(0), "nothing may be written before the greeting");
        }
    }

    @Test
    void refusedConnectionFails() throws IOException {
        PublishResult result = publisher.publish(List.of(new FanoutDestination("127.0.0.1", unusedPort())), BAN, TIMEOUT).get(0);

        assertFalse(result.accepted());
        assertEquals("connection refused", result.reason());
    }

    @Test
    void tlsTargetWithAMissingCaFileFailsNamingItAndConnectsNowhere() throws IOException {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            Path missing = Path.of("/nonexistent/ca.pem");
            FanoutDestination target = new FanoutDestination("127.0.0.1", server.port(),
                    Optional.of(new TlsConfig("127.0.0.1", Optional.of(missing), Optional.empty(), Optional.empty())));

            PublishResult result = publisher.publish(List.of(target), BAN, TIMEOUT).get(0);

            assertFalse(result.accepted());
            assertEquals("cannot set up TLS: /nonexistent/ca.pem: no such file", result.reason());
        }
    }

    @Test
    void tlsToAServerThatSpeaksPlainTextFailsTheHandshakeAndAnnouncesNothing() throws IOException {
        try (FakeFanoutServer plain = new FakeFanoutServer(Behaviour.NORMAL)) {
            FanoutDestination target = new FanoutDestination("127.0.0.1", plain.port(), Optional.of(TlsConfig.verifying("127.0.0.1")));

            PublishResult result = publisher.publish(List.of(target), BAN, TIMEOUT).get(0);

            assertFalse(result.accepted());
            assertTrue(result.reason().startsWith("TLS handshake failed (server name 127.0.0.1): "), result.reason());
            awaitClosedByClient(plain, 1);
            assertFalse(plain.received(0).contains("announce"), plain.received(0));
        }
    }

    @Test
    void publishesToEveryTargetAndReportsEachInTheGivenOrder() throws IOException {
        try (FakeFanoutServer first = new FakeFanoutServer(Behaviour.NORMAL);
                FakeFanoutServer silent = new FakeFanoutServer(Behaviour.SILENT);
                FakeFanoutServer third = new FakeFanoutServer(Behaviour.NORMAL)) {
            FanoutDestination down = new FanoutDestination("127.0.0.1", unusedPort());
            List<FanoutDestination> targets = List.of(first.target(), down, silent.target(), third.target());

            List<PublishResult> results = publisher.publish(targets, BAN, Duration.ofMillis(500));

            assertEquals(targets, results.stream().map(PublishResult::destination).toList());
            assertEquals(List.of(true, false, false, true), results.stream().map(PublishResult::accepted).toList());
            awaitClosedByClient(first, 1);
            awaitClosedByClient(third, 1);
            assertEquals(first.received(0), third.received(0));
        }
    }

    @Test
    void isSafeToCallFromManyThreadsAtOnce() throws Exception {
        try (FakeFanoutServer server = new FakeFanoutServer(Behaviour.NORMAL)) {
            int calls = 40;
            List<Thread> threads = new ArrayList<>();
            AtomicInteger accepted = new AtomicInteger();
            for (int i = 0; i < calls; i++) {
                Command.Announce announce = new Command.Announce("Fail2ban", "n=" + i);
                Thread t = new Thread(() -> {
                    if (publisher.publish(List.of(server.target()), announce, TIMEOUT).get(0).accepted()) {
                        accepted.incrementAndGet();
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }

            assertEquals(calls, accepted.get());
            awaitClosedByClient(server, calls);
            Set<String> lines = new TreeSet<>();
            for (int i = 0; i < calls; i++) {
                lines.add(server.received(i));
            }
            assertEquals(calls, lines.size(), "every call sent its own announce once");
        }
    }

    @Test
    void aDestinationStillBlockedAtTheDeadlineIsCutOffWithItsOwnWordsAndWhatItWaitsOnIsClosed() {
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        Destination stuck = new Destination() {
            @Override
            public String name() {
                return "stuck";
            }

            @Override
            public PublishResult publish(Command.Announce announce, Deadline deadline) {
                deadline.waitingFor("still waiting for the stand-in");
                assertTrue(deadline.closeOnExpiry(closed::countDown));
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return PublishResult.failed(this, "ended by the close", deadline.elapsed());
            }

            @Override
            public boolean carriesLines() {
                return true;
            }
        };

        PublishResult result = publisher.publish(List.of(stuck), BAN, Duration.ofMillis(200)).get(0);

        assertFalse(result.accepted());
        assertEquals("stuck: still waiting for the stand-in", result.toString());
        assertEquals(0, closed.getCount(), "the publisher closed what the destination was blocked on");
    }

    @Test
    void anEmptyTargetListSendsNothing() {
        assertEquals(List.of(), publisher.publish(List.of(), BAN, TIMEOUT));
    }

    @Test
    void refusesANonPositiveTimeout() {
        assertThrows(IllegalArgumentException.class, () -> publisher.publish(List.of(), BAN, Duration.ZERO));
    }

    private static void awaitClosedByClient(FakeFanoutServer server, int count) {
        await().atMost(Duration.ofSeconds(5)).until(() -> server.closedByClient() >= count);
    }

    /** A port nothing listens on: bound, read, released. */
    static int unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
