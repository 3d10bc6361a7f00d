package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.exec.ActionResult;
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
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The message path with a ledger: what runs of bans, unbans and bans announced again. */
class LedgerStepTest {
    private static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");
    private static final String IP = "192.0.2.7";
    private static final String BAN = "jail=sshd, action=banip, ip=" + IP + ", source=web1, bantime=600";
    private static final String UNBAN = "jail=sshd, action=unbanip, ip=" + IP + ", source=web1";
    private static final LedgerKey KEY = LedgerKey.of(Fixtures.CHANNEL, "sshd", IP);

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private final ServerState state = new ServerState("fanout:1986");
    private EmbeddedChannel channel;
    private Ledger ledger;
    private MessagePath path;

    @BeforeEach
    void setUp() throws Exception {
        ledger = Ledger.open(dir, 1000, clock);
        channel = new EmbeddedChannel();
        channel.freezeTime();
        MessagePath.Shared shared = new MessagePath.Shared(channel.eventLoop(), new Deduplicator(Duration.ZERO), runner,
                new ExecReporter(channel.eventLoop().ticker()), ClusterConfig.Limits.DEFAULTS,
                ClusterConfig.DEFAULT_SIGNATURE_WINDOW, clock, ledger);
        path = new MessagePath(state, 0, new ChannelRoutes(Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute()),
                Map.of()), shared);
    }

    @AfterEach
    void tearDown() throws Exception {
        assertFalse(channel.finish());
        ledger.close();
    }

    private void finish(int call, int status) {
        runner.calls.get(call).whenDone().accept(new ActionResult.Exited(status, Duration.ZERO, ""));
        channel.runPendingTasks();
    }

    private static String reannounce(Instant start, Instant until) {
        return "jail=sshd, action=banip, ip=" + IP + ", source=web1, bantime=60, time=" + start.getEpochSecond()
                + ", until=" + until.getEpochSecond() + ", catchup=web2";
    }

    @Test
    void aBanRunsOnceAndIsAppliedOnlyWhenItsActionSucceeded() {
        path.accept(Fixtures.CHANNEL, BAN);
        assertEquals(1, runner.calls.size());
        assertEquals(LedgerEntry.State.PENDING, ledger.get(KEY).orElseThrow().state());
        finish(0, 0);
        assertEquals(LedgerEntry.State.APPLIED, ledger.get(KEY).orElseThrow().state());
    }

    @Test
    void aFailedBanStaysPending() {
        path.accept(Fixtures.CHANNEL, BAN);
        finish(0, 1);
        assertEquals(LedgerEntry.State.PENDING, ledger.get(KEY).orElseThrow().state());
    }

    @Test
    void aBanAnnouncedAgainRunsNothingWhenItRanHereEvenWithAnotherHostsStart() {
        path.accept(Fixtures.CHANNEL, BAN);
        finish(0, 0);
        // the origin stamped it 2 s before it reached this host
        path.accept(Fixtures.CHANNEL, reannounce(NOW.minusSeconds(2), NOW.plusSeconds(598)));
        path.accept(Fixtures.CHANNEL, reannounce(NOW.plusSeconds(3), NOW.plusSeconds(600)));
        assertEquals(1, runner.calls.size());
        assertEquals(2, state.count(Counter.DEDUPLICATED));
    }

    @Test
    void aMissedBanAnnouncedAgainRunsOnceAndAnEndedOneNever() {
        path.accept(Fixtures.CHANNEL, reannounce(NOW.minusSeconds(100), NOW.plusSeconds(500)));
        assertEquals(1, runner.calls.size());
        finish(0, 0);
        path.accept(Fixtures.CHANNEL, reannounce(NOW.minusSeconds(100), NOW.plusSeconds(500)));
        path.accept(Fixtures.CHANNEL, "jail=sshd, action=banip, ip=192.0.2.8, source=web1, bantime=2, time="
                + NOW.minusSeconds(10).getEpochSecond() + ", until=" + NOW.minusSeconds(8).getEpochSecond()
                + ", catchup=web2");
        assertEquals(1, runner.calls.size());
    }

    @Test
    void anUnbanRunsWhenTheBanRanHereAndAnUnbannedBanAnnouncedAgainNeverRuns() {
        path.accept(Fixtures.CHANNEL, BAN);
        finish(0, 0);
        path.accept(Fixtures.CHANNEL, UNBAN);
        assertEquals(List.of("ban", "sshd", "unbanip", IP), runner.calls.get(1).invocation().argv());
        finish(1, 0);
        assertEquals(LedgerEntry.State.REVOKED, ledger.get(KEY).orElseThrow().state());
        path.accept(Fixtures.CHANNEL, reannounce(NOW.minusSeconds(1), NOW.plusSeconds(599)));
        assertEquals(2, runner.calls.size());
    }

    @Test
    void anUnbanWhileTheBanRunsIsRunOnceTheBanSucceeded() {
        path.accept(Fixtures.CHANNEL, BAN);
        path.accept(Fixtures.CHANNEL, UNBAN);
        assertEquals(1, runner.calls.size(), "the ban has not run yet: nothing to undo");
        finish(0, 0);
        assertEquals(List.of("ban", "sshd", "unbanip", IP), runner.calls.get(1).invocation().argv());
        finish(1, 0);
        assertEquals(LedgerEntry.State.REVOKED, ledger.get(KEY).orElseThrow().state());
    }

    @Test
    void anUnbanOfABanTheLedgerNeverKnewStillRunsOnce() {
        path.accept(Fixtures.CHANNEL, UNBAN);
        path.accept(Fixtures.CHANNEL, UNBAN);
        assertEquals(1, runner.calls.size());
    }

    @Test
    void messagesThatAreNotBansGoTheirWayUnrecorded() {
        path.accept(Fixtures.CHANNEL, "jail=sshd, action=banip, ip=not-an-address");
        assertEquals(1, runner.calls.size());
        assertEquals(0, ledger.size());
    }

    @Test
    void aLiveCopyThatComesAfterTheBanWasCaughtUpRunsNothing() {
        // caught up with the origin's start, then its outbox delivers the same ban minutes later
        path.accept(Fixtures.CHANNEL, reannounce(NOW.minusSeconds(300), NOW.plusSeconds(300)));
        finish(0, 0);
        path.accept(Fixtures.CHANNEL, BAN);
        assertEquals(1, runner.calls.size());
    }

    @Test
    void aBanAfterAnUnbanIsANewBanAndRuns() {
        path.accept(Fixtures.CHANNEL, BAN);
        finish(0, 0);
        path.accept(Fixtures.CHANNEL, UNBAN);
        finish(1, 0);
        path.accept(Fixtures.CHANNEL, BAN);
        assertEquals(List.of("ban", "sshd", "banip", IP), runner.calls.get(2).invocation().argv());
    }
}
