package io.fail2bancluster.agent.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.LogCapture;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.nats.client.JetStreamApiException;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox's NATS delivery through a fake in place of JetStream: what it publishes, with which id, when it
 * retries, and what it confirms. The time is the test's: the agent's loop is an embedded one whose clock stands
 * still until advanced, and the test is the publishing thread, running {@link NatsDelivery#publishDue()}.
 */
class NatsDeliveryTest {
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final Instant ACCEPTED = Instant.parse("2026-12-02T01:00:00.123456789Z");
    private static final Clock CLOCK = Clock.fixed(ACCEPTED, ZoneOffset.UTC);
    private static final StreamSpec STREAM = new StreamSpec("FAIL2BAN_CLUSTER", Duration.ofDays(30), OptionalInt.empty());
    private static final String NAME = "nats:FAIL2BAN_CLUSTER@n1:4222";
    private static final long SEED = 7;

    @TempDir
    Path dir;

    private final EmbeddedChannel clock = new EmbeddedChannel();
    private final FakeStream stream = new FakeStream();
    /** Draws the same delays as the delivery's backoff, to know when each retry is due. */
    private final Backoff twin = new Backoff(NatsDelivery.RETRY_MIN, NatsDelivery.RETRY_MAX, new Random(SEED));
    private Outbox outbox;
    private OutboxStore store;
    private NatsDelivery delivery;

    /** Stands in for the cluster: records each attempt and answers with what the test queued, else stores it. */
    private static final class FakeStream implements StreamPublisher {
        record Attempt(String channel, String message, String id) {
        }

        final List<Attempt> attempts = new CopyOnWriteArrayList<>();
        /** Per attempt, in order, the failure it ends in; null, or past the end: stored. */
        final List<Exception> outcomes = new ArrayList<>();
        volatile boolean connected = true;

        @Override
        public boolean isConnected() {
            return connected;
        }

        @Override
        public BanPublication.Stored publish(StreamSpec spec, String channel, String message, String id,
                                             Duration timeout) throws IOException, JetStreamApiException {
            attempts.add(new Attempt(channel, message, id));
            Exception failure = attempts.size() <= outcomes.size() ? outcomes.get(attempts.size() - 1) : null;
            if (failure instanceof IOException e) {
                throw e;
            }
            if (failure instanceof JetStreamApiException e) {
                throw e;
            }
            return new BanPublication.Stored(spec.name(), attempts.size(), "");
        }
    }

    @AfterEach
    void tearDown() {
        if (delivery != null) {
            delivery.close();
        }
        if (outbox != null) {
            outbox.close();
        }
        assertFalse(clock.finish());
    }

    /** A delivery of Fail2ban whose publishing thread is the test, on a loop whose time stands still until advanced. */
    private void open() throws IOException {
        clock.freezeTime();
        store = OutboxStore.open(dir, 1000);
        outbox = new Outbox(store, clock.eventLoop(), Executors.newSingleThreadExecutor(), CLOCK);
        delivery = new NatsDelivery(NAME, STREAM, Set.of("Fail2ban"), Map.of(), outbox, clock.eventLoop(), CLOCK,
                new Random(), new Backoff(NatsDelivery.RETRY_MIN, NatsDelivery.RETRY_MAX, new Random(SEED)));
    }

    /** Hands these messages to the outbox, which offers them to the delivery. */
    private void offer(String... messages) throws IOException {
        List<OutboxStore.Entry> entries = new ArrayList<>();
        for (String message : messages) {
            entries.add(store.append("Fail2ban", message, ACCEPTED));
        }
        outbox.start(List.of(delivery), entries);
        runTasks();
    }

    /** Runs what is due: the loop's tasks, what the publishing thread has to do, and the confirmations it posts. */
    private void runTasks() {
        clock.runPendingTasks();
        delivery.publishDue();
        clock.runPendingTasks();
    }

    private void advance(Duration by) {
        clock.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        runTasks();
    }

    /** Asserts that the next attempt comes exactly when the backoff says, not a nanosecond earlier. */
    private void expectAttemptAfter(Duration delay) {
        int before = stream.attempts.size();
        advance(delay.minusNanos(1));
        assertEquals(before, stream.attempts.size(), "tried again before its delay of " + delay);
        advance(Duration.ofNanos(1));
        assertEquals(before + 1, stream.attempts.size(), "not tried again after its delay of " + delay);
    }

    private int depth() {
        return outbox.status().depth();
    }

    @Test
    void everyAttemptOfAnEntryCarriesOneIdEvenAfterARestart() {
        OutboxStore.Entry entry = new OutboxStore.Entry(7, ACCEPTED, "Fail2ban", BAN, Set.of());
        OutboxStore.Entry readAgain = new OutboxStore.Entry(7, ACCEPTED, "Fail2ban", BAN, Set.of("fanout:1986"));
        assertEquals(NatsDelivery.messageId(entry), NatsDelivery.messageId(readAgain));
    }

    @Test
    void theSameBanHandedOverAgainIsAnotherMessage() {
        // fail2ban banning an address again is a new event: the stream must not drop it as a duplicate
        String first = NatsDelivery.messageId(new OutboxStore.Entry(7, ACCEPTED, "Fail2ban", BAN, Set.of()));
        assertNotEquals(first, NatsDelivery.messageId(new OutboxStore.Entry(8, ACCEPTED, "Fail2ban", BAN, Set.of())));
        assertNotEquals(first, NatsDelivery.messageId(
                new OutboxStore.Entry(7, ACCEPTED.plusNanos(1), "Fail2ban", BAN, Set.of())));
    }

    @Test
    void entriesArePublishedInOutboxOrderWithTheirIdsAndLeaveTheOutboxOnTheAcknowledgement() throws IOException {
        String second = "jail=sshd, action=banip, ip=192.0.2.8";
        open();
        delivery.connected(stream);
        offer(BAN, second);
        assertEquals(List.of(new FakeStream.Attempt("Fail2ban", BAN, idOf(1, BAN)),
                new FakeStream.Attempt("Fail2ban", second, idOf(2, second))), stream.attempts);
        assertEquals(0, depth());
        await().atMost(Duration.ofSeconds(5)).until(() -> store.entries().isEmpty()); // the outbox's writer thread
    }

    private static String idOf(long sequence, String message) {
        return NatsDelivery.messageId(new OutboxStore.Entry(sequence, ACCEPTED, "Fail2ban", message, Set.of()));
    }

    @Test
    void aFailedAttemptIsRetriedWithTheJitteredBackoffAndTheSameIdWarningOncePerProblem() throws IOException {
        JetStreamApiException refused = new JetStreamApiException(io.nats.client.api.Error.JsBadRequestErr);
        try (LogCapture log = LogCapture.of(NatsDelivery.class)) {
            stream.outcomes.addAll(List.of(new IOException("timeout"), new IOException("timeout"),
                    new IOException("timeout"), new IOException("timeout"), refused));
            open();
            offer(BAN);
            assertEquals(0, stream.attempts.size(), "offered before the link connected: it waits for its retry");
            delivery.connected(stream);
            for (int attempt = 0; attempt <= 5; attempt++) {
                expectAttemptAfter(twin.delay(attempt));
            }
            assertEquals(0, depth(), "stored at the sixth attempt");
            assertEquals(Set.of(idOf(1, BAN)), Set.copyOf(stream.attempts.stream().map(FakeStream.Attempt::id).toList()));
            assertEquals(List.of(
                    "WARN " + NAME + ": outbox entry 1 not stored yet (no acknowledgement: timeout); trying again",
                    "WARN " + NAME + ": outbox entry 1 not stored yet (refused: " + refused.getMessage()
                            + "); trying again"), log.at(Level.WARN));
        }
    }

    @Test
    void theDelaysStayWithinTheCeilingAndTheNextEntryStartsAgainFromTheFloor() throws IOException {
        for (int i = 0; i < 12; i++) {
            stream.outcomes.add(new IOException("timeout"));
        }
        stream.outcomes.add(null); // the first entry is stored at its 13th attempt
        stream.outcomes.add(new IOException("timeout")); // the second fails once
        open();
        delivery.connected(stream);
        offer(BAN, "jail=sshd, action=banip, ip=192.0.2.8");
        assertEquals(1, stream.attempts.size());
        for (int attempt = 0; attempt < 11; attempt++) {
            Duration delay = twin.delay(attempt);
            assertTrue(delay.compareTo(NatsDelivery.RETRY_MIN) >= 0 && delay.compareTo(NatsDelivery.RETRY_MAX) <= 0,
                    delay.toString());
            expectAttemptAfter(delay);
        }
        advance(twin.delay(11));
        assertEquals(14, stream.attempts.size(), "the second went out as soon as the first was stored");
        assertEquals(1, depth());
        expectAttemptAfter(twin.delay(0)); // its own first retry: from the floor, not the first entry's ceiling
        assertEquals(0, depth());
    }

    @Test
    void nothingIsAttemptedWhileTheLinkIsDisconnected() throws IOException {
        open();
        offer(BAN);
        advance(NatsDelivery.RETRY_MAX.multipliedBy(3));
        stream.connected = false;
        delivery.connected(stream);
        advance(NatsDelivery.RETRY_MAX.multipliedBy(3));
        assertEquals(0, stream.attempts.size());
        assertEquals(1, depth());
        stream.connected = true;
        advance(NatsDelivery.RETRY_MAX);
        assertEquals(1, stream.attempts.size(), "the next retry after the connection came back");
        assertEquals(0, depth());
    }

    @Test
    void anEntryOfAChannelAReloadTookAwayIsNoLongerPublished() throws IOException {
        stream.outcomes.add(new IOException("timeout"));
        open();
        delivery.connected(stream);
        offer(BAN, "jail=sshd, action=banip, ip=192.0.2.8");
        assertEquals(1, stream.attempts.size());
        delivery.channels(Set.of("Mail"));
        advance(twin.delay(0));
        assertEquals(1, stream.attempts.size(), "neither the waiting entry nor the next one went out");
    }

    @Test
    void startMakesTheThreadAndCloseEndsIt() throws IOException {
        store = OutboxStore.open(dir, 1000);
        outbox = new Outbox(store, Runnable::run, Executors.newSingleThreadExecutor(), CLOCK);
        NatsDelivery real = new NatsDelivery(NAME, STREAM, Set.of("Fail2ban"), Map.of(), outbox, clock.eventLoop(),
                CLOCK, new Random());
        assertFalse(publishingThreadAlive(), "no thread from the constructor");
        real.start();
        assertTrue(publishingThreadAlive());
        assertThrows(IllegalStateException.class, real::start);
        real.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !publishingThreadAlive());
    }

    @Test
    void itsThreadWakesForAnEntryHandedOverAndConfirmsItOnTheLoop() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        NatsDelivery real = null;
        try {
            store = OutboxStore.open(dir, 1000);
            outbox = new Outbox(store, loop, Executors.newSingleThreadExecutor(), CLOCK);
            real = new NatsDelivery(NAME, STREAM, Set.of("Fail2ban"), Map.of(), outbox, loop, CLOCK, new Random());
            real.connected(stream);
            real.start();
            NatsDelivery started = real;
            OutboxStore.Entry entry = store.append("Fail2ban", BAN, ACCEPTED);
            loop.submit(() -> outbox.start(List.of(started), List.of(entry))).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> loop.submit(() -> outbox.status().depth()).get() == 0);
            assertEquals(List.of(new FakeStream.Attempt("Fail2ban", BAN, idOf(1, BAN))), stream.attempts);
        } finally {
            if (real != null) {
                real.close();
            }
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static boolean publishingThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("fail2ban-outbox " + NAME + "-") && t.isAlive());
    }
}
