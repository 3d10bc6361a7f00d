package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.LogCapture;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.util.Backoff;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerLinkTest {
    private static final Duration MIN = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(60);
    private static final Duration STABLE = Duration.ofSeconds(10);
    private static final long SEED = 5;

    /** Provides the event loop and the frozen clock the connection schedules on. */
    private EmbeddedChannel clock;
    private final List<EmbeddedChannel> attempts = new ArrayList<>();
    private boolean refuse;
    private ServerState state;
    private ServerLink connection;
    /** Draws the same delays as the connection's backoff, to know when each retry is due. */
    private Backoff twin;

    @BeforeEach
    void setUp() {
        clock = new EmbeddedChannel();
        clock.freezeTime();
        state = new ServerState("fanout.example:1986");
        twin = new Backoff(MIN, MAX, new Random(SEED));
        connection = Fixtures.link(state, clock.eventLoop(), this::connect, new Backoff(MIN, MAX, new Random(SEED)),
                STABLE);
    }

    @AfterEach
    void tearDown() {
        assertFalse(clock.finish());
    }

    private ChannelFuture connect() {
        EmbeddedChannel channel = new EmbeddedChannel();
        attempts.add(channel);
        return refuse ? channel.newFailedFuture(new ConnectException("Connection refused")) : channel.newSucceededFuture();
    }

    private void advance(Duration by) {
        clock.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        clock.runScheduledPendingTasks();
    }

    /** Asserts that the next attempt happens exactly when the backoff says, not a nanosecond earlier. */
    private void expectRetryAfter(Duration delay) {
        int before = attempts.size();
        advance(delay.minusNanos(1));
        assertEquals(before, attempts.size(), "retried before its delay of " + delay);
        advance(Duration.ofNanos(1));
        assertEquals(before + 1, attempts.size(), "no retry after its delay of " + delay);
    }

    @Test
    void aRefusedConnectIsRetriedWithGrowingJitteredDelays() {
        refuse = true;
        connection.connect();
        assertEquals(1, attempts.size());
        assertEquals("waiting", state.snapshot(0, java.time.Instant.now()).state());
        for (int attempt = 0; attempt < 8; attempt++) {
            Duration delay = twin.delay(attempt);
            assertTrue(delay.compareTo(twin.ceiling(attempt)) <= 0);
            expectRetryAfter(delay);
        }
        assertEquals(8, state.reconnects());
    }

    @Test
    void aConnectionClosedBeforeTheGreetingCountsAsAFailure() {
        connection.connect();
        attempts.get(0).close();
        expectRetryAfter(twin.delay(0));
        // debug!busy: the session closes the connection without a greeting.
        attempts.get(1).close();
        expectRetryAfter(twin.delay(1));
        assertEquals(2, connection.attempt());
    }

    @Test
    void anUnreachableServerIsAWarningAtFirstThenEveryFewMinutesWithTheCountAndInfoBetween() {
        try (LogCapture log = LogCapture.of(ServerLink.class)) {
            refuse = true;
            connection.connect();
            // the first delay the link drew, drawn again from a third backoff of the same seed (twin keeps step)
            String firstDelay = ConnectFailure.seconds(new Backoff(MIN, MAX, new Random(SEED)).delay(0));
            assertEquals(List.of("WARN connection refused by fanout.example:1986; retrying in " + firstDelay
                    + " s (this warning repeats every 5 min while it stays unreachable)"), log.at(Level.WARN));
            long start = clock.eventLoop().ticker().nanoTime();
            long interval = ServerLink.UNREACHABLE_WARNING_INTERVAL.toNanos();
            int attempt = 0;
            // retry until the interval since the first warning has passed: every retry inside it is info only
            while (clock.eventLoop().ticker().nanoTime() - start < interval) {
                assertEquals(1, log.at(Level.WARN).size(), "no second warning inside the interval: " + log.lines());
                expectRetryAfter(twin.delay(attempt++));
            }
            assertEquals(2, log.at(Level.WARN).size(), log.lines().toString());
            long seconds = (clock.eventLoop().ticker().nanoTime() - start) / 1_000_000_000L;
            String still = log.at(Level.WARN).get(1);
            assertTrue(still.matches("WARN connection refused by fanout\\.example:1986 \\(" + (attempt + 1)
                    + " attempts over " + seconds + " s\\); retrying in [0-9]+(\\.[0-9])? s"), still);
            assertEquals(attempt - 1, log.at(Level.INFO).stream()
                            .filter(l -> l.contains("connection refused by fanout.example:1986; retrying in ")).count(),
                    "the retries between the warnings are info");

            // up again, then down: the first failure of the new outage is a warning at once
            refuse = false;
            expectRetryAfter(twin.delay(attempt++));
            state.greeted(clock.eventLoop().ticker().nanoTime());
            refuse = true;
            attempts.get(attempts.size() - 1).close();
            expectRetryAfter(twin.delay(attempt));
            assertEquals(3, log.at(Level.WARN).size(), log.lines().toString());
            assertTrue(log.at(Level.WARN).get(2).contains("connection refused by fanout.example:1986; retrying in "),
                    log.at(Level.WARN).get(2));
            connection.stop();
        }
    }

    /** Two refused attempts, then a connection (attempt 3) that is greeted now. */
    private void failTwiceThenConnectAndGreet() {
        refuse = true;
        connection.connect();
        expectRetryAfter(twin.delay(0));
        expectRetryAfter(twin.delay(1));
        refuse = false;
        expectRetryAfter(twin.delay(2));
        state.greeted(clock.eventLoop().ticker().nanoTime());
    }

    @Test
    void aGreetedConnectionThatDropsSoonDoesNotResetTheBackoff() {
        failTwiceThenConnectAndGreet();
        assertEquals("connected", state.snapshot(clock.eventLoop().ticker().nanoTime(), java.time.Instant.now()).state());
        advance(STABLE.minusMillis(1));
        attempts.get(3).close();
        expectRetryAfter(twin.delay(3));
    }

    @Test
    void aGreetedConnectionThatStayedUpResetsTheBackoff() {
        failTwiceThenConnectAndGreet();
        advance(STABLE);
        attempts.get(3).close();
        assertEquals(1, connection.attempt(), "the next failure starts from attempt 0 again");
        // Same random stream, but the delay is drawn for attempt 0 again: within [MIN, 2 * MIN].
        Duration delay = twin.delay(0);
        assertTrue(delay.compareTo(MIN.multipliedBy(2)) <= 0);
        expectRetryAfter(delay);
    }

    @Test
    void stoppingCancelsThePendingRetryAndClosesTheConnection() {
        refuse = true;
        connection.connect();
        connection.stop();
        advance(MAX.multipliedBy(2));
        assertEquals(1, attempts.size());
        assertEquals("stopped", state.snapshot(0, java.time.Instant.now()).state());

        refuse = false;
        ServerLink live = Fixtures.link(state, clock.eventLoop(), this::connect, new Backoff(MIN, MAX), STABLE);
        live.connect();
        EmbeddedChannel channel = attempts.get(1);
        assertTrue(channel.isOpen());
        assertTrue(live.stop().isSuccess());
        assertFalse(channel.isOpen());
        advance(MAX.multipliedBy(2));
        assertEquals(2, attempts.size(), "no reconnect after stop");
    }
}
