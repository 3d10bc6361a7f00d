package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.BoundedRunner;
import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.LogCapture;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.agent.ledger.LedgerKey;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failing actions retried with backoff, on a frozen event loop whose time the test moves. */
class ActionRetriesTest {
    private static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");
    private static final String IP = "192.0.2.7";
    private static final String BAN = "jail=sshd, action=banip, ip=" + IP + ", source=web1, bantime=600";
    private static final String UNBAN = "jail=sshd, action=unbanip, ip=" + IP + ", source=web1";
    private static final LedgerKey KEY = LedgerKey.of(Fixtures.CHANNEL, "sshd", IP);
    private static final Duration RETRY_MAX = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private final ServerState state = new ServerState("fanout:1986");
    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** Wall-clock time that moves with the loop's frozen ticker. */
    private final Clock clock = new LoopClock(channel);
    private Ledger ledger;
    private ActionRetries retries;
    private MessagePath path;
    private int settled;

    private void start(boolean withLedger, ActionRunner actions) throws Exception {
        channel.freezeTime();
        ((LoopClock) clock).zero();
        ledger = withLedger ? Ledger.open(dir, 1000, clock) : null;
        retries = new ActionRetries(actions, RETRY_MAX, new Random(7));
        MessagePath.Shared shared = new MessagePath.Shared(channel.eventLoop(), new Deduplicator(Duration.ZERO), new FleetCounter(), actions,
                new ExecReporter(channel.eventLoop().ticker()), ClusterConfig.Limits.DEFAULTS,
                ClusterConfig.DEFAULT_SIGNATURE_WINDOW, clock, ledger, null, retries);
        path = new MessagePath(state, 0, new ChannelRoutes(Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute()),
                Map.of()), shared);
    }

    @AfterEach
    void tearDown() throws Exception {
        assertFalse(channel.finish());
        if (ledger != null) {
            ledger.close();
        }
    }

    private void accept(String message) {
        path.accept(Fixtures.CHANNEL, message, null, () -> settled++);
    }

    private void finish(int call, int status) {
        runner.calls.get(call).whenDone().accept(new ActionResult.Exited(status, Duration.ZERO, "socket gone"));
        channel.runPendingTasks();
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
    }

    @Test
    void aFailedBanIsRetriedAfterAJitteredBackoffAndAppliedWhenItSucceeds() throws Exception {
        start(true, runner);
        try (LogCapture log = LogCapture.of(ActionDispatcher.class)) {
            accept(BAN);
            finish(0, 255);
            assertEquals(1, retries.failingNow());
            assertEquals(0, settled, "not settled while it fails");
            advance(Duration.ofMillis(999));
            assertEquals(1, runner.calls.size(), "never before the backoff's minimum of 1 s");
            advance(Duration.ofMillis(1001));
            assertEquals(2, runner.calls.size(), "the first retry comes within 2 s");
            assertEquals(runner.calls.get(0).invocation().argv(), runner.calls.get(1).invocation().argv());
            finish(1, 0);
            assertEquals(LedgerEntry.State.APPLIED, ledger.get(KEY).orElseThrow().state());
            assertEquals(0, retries.failingNow());
            assertEquals(1, settled);
            assertEquals(1, retries.status().retries());
            assertTrue(log.lines().stream().anyMatch(l -> l.matches("INFO fanout:1986 Fail2ban: ban sshd " + IP
                    + " applied after 2 tries over [12] s")), log.lines().toString());
        }
        assertEquals(1, state.count(Counter.FAILED), "the first run is counted as it ended; retries are counted apart");
    }

    @Test
    void anActionThatAlwaysFailsRunsAtMostOncePerSecondAndBacksOffToTheMaximum() throws Exception {
        start(true, runner);
        try (LogCapture log = LogCapture.of(ExecReporter.class)) {
            accept(BAN.replace("bantime=600", "bantime=-1"));
            List<Long> triedAt = new ArrayList<>();
            for (int second = 0; second < 3600; second++) {
                while (triedAt.size() < runner.calls.size()) {
                    triedAt.add((long) second);
                    finish(triedAt.size() - 1, 1);
                }
                advance(Duration.ofSeconds(1));
            }
            for (int i = 1; i < triedAt.size(); i++) {
                long gap = triedAt.get(i) - triedAt.get(i - 1);
                assertTrue(gap >= 1 && gap <= RETRY_MAX.toSeconds() + 1, "gap " + gap + " s between tries " + i);
            }
            // the ceiling doubles from 2 s and stays at 60 s: an hour holds a few dozen tries, not thousands
            assertTrue(triedAt.size() > 60 && triedAt.size() < 200, triedAt.size() + " tries in an hour");
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN")).count(),
                    "one warning for the failing action, not one per try: " + log.lines());
            assertTrue(log.lines().get(0).contains("exit 1") && log.lines().get(0).contains("retried"), log.lines().get(0));
        }
        assertEquals(1, retries.failingNow());
        assertEquals(NOW, retries.status().oldestFailing().orElseThrow());
    }

    @Test
    void aFailingBanIsGivenUpWhenItEnds() throws Exception {
        start(true, runner);
        accept(BAN.replace("bantime=600", "bantime=30"));
        finish(0, 1);
        int finished = 1;
        for (int second = 0; second < 120; second++) {
            while (finished < runner.calls.size()) {
                finish(finished++, 1);
            }
            advance(Duration.ofSeconds(1));
        }
        int tries = runner.calls.size();
        advance(Duration.ofMinutes(10));
        assertEquals(tries, runner.calls.size(), "no try after the ban ended");
        assertEquals(0, retries.failingNow());
        assertEquals(1, settled);
    }

    @Test
    void anUnbanMakesAPendingBanMootAndRunsNothingWhenTheBanNeverRan() throws Exception {
        start(true, runner);
        accept(BAN);
        finish(0, 1);
        accept(UNBAN);
        assertEquals(1, runner.calls.size(), "the ban never ran here: nothing to unban");
        advance(Duration.ofMinutes(2));
        assertEquals(1, runner.calls.size(), "the ban is not retried once unbanned");
        assertEquals(0, retries.failingNow());
        assertEquals(LedgerEntry.State.REVOKED, ledger.get(KEY).orElseThrow().state());
        assertEquals(2, settled);
    }

    @Test
    void withoutALedgerALaterUnbanSupersedesTheWaitingBanAtOnceAndRunsInItsPlace() throws Exception {
        start(false, runner);
        accept(BAN);
        finish(0, 1);
        assertEquals(1, retries.failingNow());
        accept(UNBAN);
        assertEquals(0, retries.failingNow(), "the waiting ban is given up at once");
        assertEquals(1, settled);
        finish(1, 0);
        assertEquals(2, settled);
        advance(Duration.ofMinutes(10));
        assertEquals(List.of(List.of("ban", "sshd", "banip", IP), List.of("ban", "sshd", "unbanip", IP)), runner.argvs(),
                "the ban never runs again after its unban");
    }

    @Test
    void aBanStillRunningWhenItsUnbanComesIsNotRetriedAfterTheUnban() throws Exception {
        start(false, runner);
        accept(BAN);
        accept(UNBAN);
        assertEquals(runner.calls.get(0).invocation().orderKey(), runner.calls.get(1).invocation().orderKey(),
                "one order key: the runner never runs them at once nor out of order");
        finish(0, 1);
        finish(1, 0);
        advance(Duration.ofMinutes(10));
        assertEquals(2, runner.calls.size(), "the failed ban is superseded by its unban: never run after it");
        assertEquals(0, retries.failingNow());
    }

    @Test
    void anUnbanThatFailsIsRetriedUntilItSucceedsAndANewBanSupersedesIt() throws Exception {
        start(true, runner);
        accept(BAN);
        finish(0, 0);
        accept(UNBAN);
        finish(1, 1);
        advance(Duration.ofSeconds(2));
        assertEquals(3, runner.calls.size());
        assertEquals(List.of("ban", "sshd", "unbanip", IP), runner.calls.get(2).invocation().argv());
        finish(2, 0);
        assertEquals(LedgerEntry.State.REVOKED, ledger.get(KEY).orElseThrow().state());
        assertEquals(0, retries.failingNow());
    }

    @Test
    void failingActionsKeepTheirPlaceInTheExecQueueSoAFullOnePushesBack() throws Exception {
        BoundedRunner bounded = new BoundedRunner(4);
        start(false, bounded);
        List<Runnable> paused = new ArrayList<>();
        BackPressure reads = path.backPressure(new BackPressure.Reads() {
            @Override
            public void pause() {
                paused.add(() -> { });
            }

            @Override
            public void resume() {
            }
        });
        for (int i = 1; i <= 4; i++) {
            String ban = BAN.replace(IP, "192.0.2." + i);
            reads.offer(() -> path.accept(Fixtures.CHANNEL, ban));
        }
        bounded.fail(4);
        channel.runPendingTasks();
        assertEquals(4, retries.failingNow());
        assertTrue(bounded.full(), "four failing actions waiting for their retry fill a queue of four");
        reads.offer(() -> path.accept(Fixtures.CHANNEL, BAN.replace(IP, "192.0.2.5")));
        assertTrue(reads.paused(), "a full bound stops reading; nothing is dropped");
        assertEquals(1, reads.held());
        assertEquals(0, bounded.dropped);
        advance(Duration.ofSeconds(2));
        assertEquals(8, bounded.accepted.size(), "each retry runs in the place it kept");
        bounded.finish(4);
        channel.runPendingTasks();
        assertFalse(reads.paused(), "once they succeeded, reading goes on");
        assertEquals(9, bounded.accepted.size());
    }

    @Test
    void aStreamMessageWhoseActionFailsGivesItsWindowPlaceBackButIsSettledOnlyOnceItSucceeded() throws Exception {
        start(true, runner);
        int[] window = {0};
        MessagePath.Retrying settle = new MessagePath.Retrying() {
            @Override
            public void run() {
                settled++;
            }

            @Override
            public void retrying() {
                window[0]++;
            }
        };
        path.accept(Fixtures.CHANNEL, BAN, null, settle);
        finish(0, 1);
        assertEquals(1, window[0]);
        assertEquals(0, settled);
        advance(Duration.ofSeconds(2));
        finish(1, 1);
        assertEquals(1, window[0], "told once, at the first failure");
        advance(Duration.ofSeconds(4));
        finish(2, 0);
        assertEquals(1, settled);
    }

    @Test
    void anExitStatusTheChannelCountsAsSuccessIsNotRetried() throws Exception {
        start(true, runner);
        Route route = Fixtures.fail2banRoute();
        Route lenient = new Route(route.channel(), route.filters(), route.action(), route.label(), null, List.of(),
                java.util.Set.of(), 1, null, null, java.util.Set.of(1));
        path.routes(new ChannelRoutes(Map.of(Fixtures.CHANNEL, lenient), Map.of()));
        accept(BAN);
        finish(0, 1);
        assertEquals(LedgerEntry.State.APPLIED, ledger.get(KEY).orElseThrow().state());
        assertEquals(1, state.count(Counter.EXECUTED));
        assertEquals(0, retries.failingNow());
    }

    @Test
    void aRestartRunsAgainWhatTheLedgerHoldsAsNotYetSucceeded() throws Exception {
        start(true, runner);
        accept(BAN);
        finish(0, 1);
        ledger.close();
        // the agent stopped (or was killed after the ledger's last write); a new one starts on the same state_dir
        ledger = Ledger.open(dir, 1000, clock);
        Fixtures.RecordingRunner after = new Fixtures.RecordingRunner();
        ActionRetries again = new ActionRetries(after, RETRY_MAX, new Random(7));
        MessagePath restarted = new MessagePath(state, 0, new ChannelRoutes(Map.of(Fixtures.CHANNEL,
                Fixtures.fail2banRoute()), Map.of()), new MessagePath.Shared(channel.eventLoop(),
                new Deduplicator(Duration.ZERO), new FleetCounter(), after, new ExecReporter(channel.eventLoop().ticker()),
                ClusterConfig.Limits.DEFAULTS, ClusterConfig.DEFAULT_SIGNATURE_WINDOW, clock, ledger, null, again));
        List<LedgerEntry> pending = new ArrayList<>(ledger.awaitingAction());
        restarted.resume(pending);
        assertTrue(pending.isEmpty());
        assertEquals(List.of("ban", "sshd", "banip", IP), after.calls.get(0).invocation().argv());
        after.calls.get(0).whenDone().accept(new ActionResult.Exited(0, Duration.ZERO, ""));
        channel.runPendingTasks();
        assertEquals(LedgerEntry.State.APPLIED, ledger.get(KEY).orElseThrow().state());
        // the copy a stream delivers again runs nothing: the ledger has it
        restarted.accept(Fixtures.CHANNEL, BAN, NOW, () -> settled++);
        assertEquals(1, after.calls.size());
    }

    /** Wall-clock time as the embedded loop's frozen ticker moves it. */
    private static final class LoopClock extends Clock {
        private final EmbeddedChannel channel;
        private long origin;

        LoopClock(EmbeddedChannel channel) {
            this.channel = channel;
        }

        /** NOW is the loop's time now: once it is frozen. */
        void zero() {
            origin = channel.eventLoop().ticker().nanoTime();
        }

        @Override
        public Instant instant() {
            return NOW.plusNanos(channel.eventLoop().ticker().nanoTime() - origin);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
