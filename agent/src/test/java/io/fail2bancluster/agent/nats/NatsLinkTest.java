package io.fail2bancluster.agent.nats;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.BoundedRunner;
import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.LogCapture;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.ExecReporter;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.NatsUrls;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.StoredMessage;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One NATS link through a fake in place of JetStream. The test is the cluster (what the stream holds and
 * delivers), the link's thread (its tasks run when the test says) and the clock (an embedded loop whose time
 * stands still until advanced).
 */
class NatsLinkTest {
    private static final Duration MIN = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(60);
    private static final long SEED = 3;
    /** The stream's creation, and the agent's clock: years from the test machine's, so that only the agent's can say what is in force. */
    private static final Instant CREATED = Instant.parse("2031-06-01T00:00:00Z");
    private static final Instant NOW = CREATED.plus(Duration.ofDays(1));
    private static final String KEY = PositionStore.key(NatsServerConfig.DEFAULT_STREAM, "c1");

    @TempDir
    Path dir;

    private final EmbeddedChannel clock = new EmbeddedChannel();
    private final LinkThread linkThread = new LinkThread();
    private final FakeCluster cluster = new FakeCluster();
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    /** Draws the same delays as the link's backoff, to know when each retry is due. */
    private final Backoff twin = new Backoff(MIN, MAX, new Random(SEED));
    private ServerState state;
    private PositionStore positions;
    private NatsLink link;

    /** The link's one thread, run by the test. */
    private static final class LinkThread extends AbstractExecutorService {
        final Queue<Runnable> tasks = new ArrayDeque<>();
        boolean shutdown;

        @Override
        public void execute(Runnable task) {
            if (shutdown) {
                throw new RejectedExecutionException("shut down");
            }
            tasks.add(task);
        }

        /** Runs what is queued, and what that queues, as the thread would. */
        void runAll() {
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                task.run();
            }
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            List<Runnable> left = new ArrayList<>(tasks);
            tasks.clear();
            return left;
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown && tasks.isEmpty();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return isTerminated();
        }
    }

    /** The cluster: connects (or fails to, as the test queued), and its one session. */
    private static final class FakeCluster implements ClusterClient {
        final Queue<IOException> refusals = new ArrayDeque<>();
        final FakeSession session = new FakeSession();
        int connects;
        Events events;

        @Override
        public Session connect(Events listener) throws IOException {
            connects++;
            IOException refused = refusals.poll();
            if (refused != null) {
                throw refused;
            }
            events = listener;
            return session;
        }
    }

    /** One connection: the stream as the test set it, and the subscription the link made. */
    private static final class FakeSession implements ClusterClient.Session {
        ClusterClient.StreamState stream = new ClusterClient.StreamState(CREATED, 0);
        long startSequence = -1;
        int window;
        EventLoop loop;
        StreamSubscriber.Handler handler;
        boolean readingClosed;
        volatile boolean closed;

        @Override
        public ClusterClient.StreamState stream() {
            return stream;
        }

        @Override
        public String clusterName() {
            return "c1";
        }

        @Override
        public String connectedUrl() {
            return "nats://n1:4222";
        }

        @Override
        public ClusterClient.Reading subscribe(long start, int size, EventLoop on, StreamSubscriber.Handler onLoop) {
            startSequence = start;
            window = size;
            loop = on;
            handler = onLoop;
            return () -> readingClosed = true;
        }

        @Override
        public boolean isConnected() {
            return !closed;
        }

        @Override
        public BanPublication.Stored publish(StreamSpec spec, String channel, String message, String id,
                                             Duration timeout) {
            throw new UnsupportedOperationException("the outbox is not part of these tests");
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @BeforeEach
    void setUp() {
        clock.freezeTime();
        state = new ServerState("nats:FAIL2BAN_CLUSTER@n1:4222");
        positions = new PositionStore(dir);
        link = newLink(runner);
    }

    private NatsLink newLink(io.fail2bancluster.agent.exec.ActionRunner runner) {
        ChannelRoutes routes = new ChannelRoutes(Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute()), Map.of());
        MessagePath.Shared shared = new MessagePath.Shared(clock.eventLoop(), new Deduplicator(Duration.ofSeconds(5)),
                runner, new ExecReporter(clock.eventLoop().ticker()), ClusterConfig.Limits.DEFAULTS,
                ClusterConfig.DEFAULT_SIGNATURE_WINDOW, Clock.fixed(NOW, ZoneOffset.UTC));
        NatsServerConfig config = new NatsServerConfig("servers[0]", List.of(NatsUrls.parse("nats://n1:4222")),
                NatsServerConfig.DEFAULT_STREAM, OptionalInt.empty(), NatsServerConfig.DEFAULT_RETENTION, NatsAuth.NONE,
                Optional.empty(), List.of());
        return new NatsLink(config, state, new MessagePath(state, 0, routes, shared), routes, clock.eventLoop(),
                new Backoff(MIN, MAX, new Random(SEED)), positions, 16, cluster, linkThread);
    }

    @AfterEach
    void tearDown() {
        assertFalse(clock.finish());
    }

    /** Runs the loop's due tasks and what they post, and the link's thread, until both are idle. */
    private void runTasks() {
        for (int i = 0; i < 3; i++) {
            clock.runPendingTasks();
            linkThread.runAll();
        }
    }

    private void advance(Duration by) {
        clock.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        runTasks();
    }

    private void connect() {
        link.connect();
        runTasks();
    }

    /** A message the stream delivers, stored {@code age} before the agent's now; returns how often it was done with. */
    private int[] deliver(long sequence, Duration age, String channel, String message, OptionalLong replaces) {
        int[] done = new int[1];
        cluster.session.handler.accept(new StoredMessage(sequence, NOW.minus(age), channel, message, replaces),
                () -> done[0]++);
        runTasks();
        return done;
    }

    private int[] deliver(long sequence, String message) {
        return deliver(sequence, Duration.ofMinutes(1), Fixtures.CHANNEL, message, OptionalLong.empty());
    }

    private static String ban(String ip) {
        return "jail=sshd, action=banip, ip=" + ip + ", bantime=600";
    }

    /** The runner reports call {@code index} finished. */
    private void finish(int index) {
        runner.calls.get(index).whenDone().accept(new ActionResult.Exited(0, Duration.ZERO, ""));
        runTasks();
    }

    private AgentStatus.ServerStatus status() {
        return link.snapshot(clock.eventLoop().ticker().nanoTime(), NOW);
    }

    private AgentStatus.NatsStatus nats() {
        return status().nats().orElseThrow();
    }

    private Optional<Long> stored() throws IOException {
        return positions.read(KEY).map(StreamPosition::sequence);
    }

    @Test
    void aLiveMessageRunsAndStatusShowsTheSettledPositionNotTheLastDelivered() throws IOException {
        connect();
        assertEquals(1, cluster.session.startSequence, "no stored position: the whole stream");
        assertEquals(16, cluster.session.window);
        assertEquals("connected", status().state());
        assertEquals(Optional.of("nats://n1:4222"), nats().connectedUrl());

        int[] first = deliver(1, ban("192.0.2.1"));
        int[] second = deliver(2, ban("192.0.2.2"));
        assertEquals(List.of(List.of("ban", "sshd", "banip", "192.0.2.1"), List.of("ban", "sshd", "banip", "192.0.2.2")),
                runner.argvs());
        assertEquals(2, link.processed());
        assertEquals(0, nats().position(), "delivered, not settled: an agent killed now is given both again");
        assertEquals(2L, status().counters().get("received"));

        finish(1);
        assertEquals(0, nats().position(), "the second settled before the first: the position waits for it");
        assertEquals(Optional.empty(), stored());
        assertEquals(1, second[0], "its place in the window is given back");
        finish(0);
        assertEquals(2, nats().position());
        assertEquals(Optional.of(2L), stored());
        assertEquals(1, first[0]);
    }

    @Test
    void aFullExecQueueHoldsTheStreamsMessagesInTheirWindowPlacesUntilItHasDrainedToHalf() throws IOException {
        BoundedRunner bounded = new BoundedRunner(2);
        link = newLink(bounded);
        connect();
        deliver(1, ban("192.0.2.1"));
        deliver(2, ban("192.0.2.2"));
        int[] held = deliver(3, ban("192.0.2.3"));
        assertEquals(2, bounded.accepted.size());
        assertEquals(0, held[0], "held, not dropped and not settled: its place in the window stays taken");
        assertEquals(new AgentStatus.ReadPauses(1, true), status().readPauses());
        assertEquals(2L, status().counters().get("received"));

        bounded.finish(1); // down to half
        runTasks();
        assertEquals("192.0.2.3", bounded.lastArguments().get(2), "the held one went on");
        assertEquals(new AgentStatus.ReadPauses(1, true), status().readPauses(), "and filled the queue again");
        assertEquals(1, nats().position());
        bounded.finish(2);
        runTasks();
        assertEquals(new AgentStatus.ReadPauses(1, false), status().readPauses());
        assertEquals(1, held[0]);
        assertEquals(3, nats().position(), "every message ran: the position passes none over");
        assertEquals(0, bounded.dropped);
        link.stop();
        runTasks();
    }

    @Test
    void thePositionIsWrittenAtMostOnceASecondTheLatestEachTimeAndOnceMoreAtStop() throws IOException {
        connect();
        deliver(1, "jail=sshd, action=banip"); // stopped on the path (no ip for the action): settled at once
        assertEquals(Optional.of(1L), stored(), "the first write goes at once");
        deliver(2, "jail=sshd, action=banip");
        deliver(3, "jail=sshd, action=banip");
        assertEquals(3, nats().position());
        advance(PositionWriter.INTERVAL.minusNanos(1));
        assertEquals(Optional.of(1L), stored(), "not again within the second");
        advance(Duration.ofNanos(1));
        assertEquals(Optional.of(3L), stored(), "the latest, in one write");

        deliver(4, "jail=sshd, action=banip");
        assertEquals(Optional.of(3L), stored());
        Future<?> stopped = link.stop();
        assertFalse(stopped.isDone(), "closes on the link's thread");
        assertEquals(2, linkThread.tasks.size(), "the waiting write, then the close");
        runTasks();
        assertEquals(Optional.of(4L), stored(), "the last settled position is kept");
        assertTrue(stopped.isDone());
        assertTrue(cluster.session.readingClosed);
        assertTrue(cluster.session.closed);
        assertTrue(linkThread.isShutdown());
        assertEquals("stopped", status().state());

        int[] late = deliver(5, ban("192.0.2.5"));
        assertEquals(1, late[0]);
        assertTrue(runner.calls.isEmpty(), "nothing runs after stop");
    }

    @Test
    void aCatchUpRunsWhatIsStillTrueByTheAgentsClockAndCountsWhatItSkips() throws IOException {
        positions.write(KEY, new StreamPosition(CREATED, 5));
        cluster.session.stream = new ClusterClient.StreamState(CREATED, 8);
        connect();
        assertEquals(6, cluster.session.startSequence, "after the stored position");
        assertEquals(3, nats().catchUpLeft());

        // ran out an hour ago by the agent's clock (by the test machine's it is not even stored yet)
        deliver(6, Duration.ofHours(1), Fixtures.CHANNEL, ban("192.0.2.6"), OptionalLong.empty());
        deliver(7, ban("192.0.2.7"));
        // the unban of a ban stored after our position, which this host never ran
        deliver(8, Duration.ofMinutes(1), Fixtures.CHANNEL, "jail=sshd, action=unbanip, ip=192.0.2.9",
                OptionalLong.of(6));
        assertEquals(0, nats().catchUpLeft());
        // live: straight into the path, whatever its bantime says
        deliver(9, Duration.ofHours(1), Fixtures.CHANNEL, ban("192.0.2.10"), OptionalLong.empty());

        assertEquals(List.of(List.of("ban", "sshd", "banip", "192.0.2.7"), List.of("ban", "sshd", "banip", "192.0.2.10")),
                runner.argvs());
        assertEquals(2, nats().catchUpSkipped());
        assertEquals(2L, status().counters().get("received"), "a skipped message never entered the path");
        assertEquals(6, nats().position(), "the skipped 6 settled; 7 is still running");
    }

    @Test
    void aFailingActionGivesItsWindowPlaceBackButThePositionStaysBelowItUntilItsRetrySucceeded() throws IOException {
        connect();
        int[] failing = deliver(1, ban("192.0.2.1"));
        runner.calls.get(0).whenDone().accept(new ActionResult.Exited(255, Duration.ZERO, "fail2ban is not running"));
        runTasks();
        assertEquals(1, failing[0], "the window lets the messages behind it in");
        int[] behind = deliver(2, ban("192.0.2.2"));
        finish(1);
        assertEquals(1, behind[0]);
        advance(Duration.ofSeconds(2));
        assertEquals(0, nats().position(), "a restart reads again from the failing one");
        assertEquals(Optional.empty(), stored());
        assertEquals(List.of("ban", "sshd", "banip", "192.0.2.1"), runner.calls.get(2).invocation().argv(),
                "retried after the backoff");
        finish(2);
        assertEquals(2, nats().position(), "settled once its retry succeeded, and the one behind it with it");
        advance(Duration.ofSeconds(1));
        assertEquals(Optional.of(2L), stored());
    }

    @Test
    void aRedeliveryIsDroppedAndGivesItsPlaceInTheWindowBack() {
        connect();
        deliver(1, ban("192.0.2.1"));
        deliver(2, ban("192.0.2.2"));
        int[] again = deliver(2, ban("192.0.2.2"));
        int[] older = deliver(1, ban("192.0.2.1"));
        assertEquals(2, runner.calls.size(), "never twice");
        assertEquals(1, again[0]);
        assertEquals(1, older[0]);
    }

    @Test
    void aMessageOnAChannelThisHostDoesNotRouteIsPassedOverAndSettles() throws IOException {
        connect();
        int[] done = deliver(1, Duration.ofMinutes(1), "Mail", ban("192.0.2.1"), OptionalLong.empty());
        assertTrue(runner.calls.isEmpty());
        assertEquals(1, done[0]);
        assertEquals(0L, status().counters().get("received"));
        assertEquals(1, nats().position());
        assertEquals(Optional.of(1L), stored());
    }

    @Test
    void aStreamCreatedAgainUnderTheSameNameIsReadAsANewHostWouldWithAWarning() throws IOException {
        positions.write(KEY, new StreamPosition(CREATED.minus(Duration.ofDays(3)), 5));
        cluster.session.stream = new ClusterClient.StreamState(CREATED, 2);
        try (LogCapture log = LogCapture.of(StreamConnection.class)) {
            connect();
            assertEquals(1, cluster.session.startSequence);
            assertEquals(1, log.at(Level.WARN).size(), log.lines().toString());
            assertTrue(log.at(Level.WARN).get(0).contains("was created again"), log.lines().toString());
        }
        deliver(1, ban("192.0.2.1"));
        deliver(2, "jail=sshd, action=unbanip, ip=192.0.2.9");
        assertEquals(List.of(List.of("ban", "sshd", "banip", "192.0.2.1")), runner.argvs(),
                "a new host runs the bans in force and nothing else");
        assertEquals(1, nats().catchUpSkipped());
    }

    @Test
    void aClusterThatIsDownIsRetriedAfterTheBackoffUntilItAnswers() {
        cluster.refusals.add(new IOException("Unable to connect to NATS servers"));
        cluster.refusals.add(new IOException("Unable to connect to NATS servers"));
        connect();
        assertEquals(1, cluster.connects);
        assertEquals("waiting", status().state());
        for (int attempt = 0; attempt < 2; attempt++) {
            Duration delay = twin.delay(attempt);
            advance(delay.minusNanos(1));
            assertEquals(attempt + 1, cluster.connects, "retried before its delay of " + delay);
            advance(Duration.ofNanos(1));
            assertEquals(attempt + 2, cluster.connects, "not retried after its delay of " + delay);
        }
        assertEquals("connected", status().state());
        assertEquals(2, status().reconnects());
        assertEquals(1, cluster.session.startSequence);
    }

    @Test
    void theClientsReconnectsAreFollowedForStatus() {
        connect();
        cluster.events.disconnected();
        runTasks();
        assertEquals("waiting", status().state());
        assertEquals(Optional.of("nats://n1:4222"), nats().connectedUrl());
        cluster.events.reconnected();
        runTasks();
        assertEquals("connected", status().state());
        assertEquals(1, status().reconnects());
    }

    @Test
    void aLinkStoppedWhileItsSubscriptionWasComingUpStillClosesIt() {
        link.connect();
        clock.runPendingTasks();
        link.stop(); // a reload removed the entry: its connect is still queued on the link's thread
        runTasks();
        assertEquals(1, cluster.connects);
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.session.closed);
        assertEquals("stopped", status().state());
    }
}
