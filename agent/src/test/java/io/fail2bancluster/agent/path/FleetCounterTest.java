package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.ledger.TestClock;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.FleetBanStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.config.FleetBanConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet's count of attempts, through two servers' message paths that share the dedupe and the counter as
 * on the agent's loop, on a clock that moves only when the test says.
 */
class FleetCounterTest {
    private static final Duration FINDTIME = Duration.ofSeconds(600);
    private static final Instant T0 = Instant.parse("2026-12-07T03:00:00Z");
    private static final String HOST = "a.example";

    private final TestClock clock = new TestClock(T0);
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private final FleetCounter fleet = new FleetCounter();
    private final Deduplicator dedupe = new Deduplicator(Duration.ofSeconds(5));
    private final List<EmbeddedChannel> loops = new ArrayList<>();
    private final List<ServerState> states = new ArrayList<>();
    private final List<MessagePath> paths = new ArrayList<>();
    private int nonce;

    private void servers(int count, FleetBanConfig config) {
        Route route = new Route(Fixtures.CHANNEL,
                List.of(new FilterEntry("f[0]", "action", List.of("banip", "unbanip")),
                        new FilterEntry("f[1]", "jail", List.of("sshd"))),
                Fixtures::renderBan, "ban %jail% %action% %ip%", HOST, List.of(), Set.of(), 1, config, null, Set.of());
        for (int i = 0; i < count; i++) {
            EmbeddedChannel loop = new EmbeddedChannel();
            loop.freezeTime();
            ServerState state = new ServerState("fanout" + i + ":1986");
            MessagePath.Shared shared = new MessagePath.Shared(loop.eventLoop(), dedupe, fleet, runner,
                    new ExecReporter(loop.eventLoop().ticker()), ClusterConfig.Limits.DEFAULTS,
                    ClusterConfig.DEFAULT_SIGNATURE_WINDOW, clock);
            paths.add(new MessagePath(state, i, new ChannelRoutes(Map.of(Fixtures.CHANNEL, route), Map.of()), shared));
            loops.add(loop);
            states.add(state);
        }
    }

    private static FleetBanConfig config(int attempts, int hosts, int maxTracked) {
        return new FleetBanConfig("fleet_ban", attempts, hosts, FINDTIME, Duration.ofHours(1), maxTracked);
    }

    @AfterEach
    void tearDown() {
        loops.forEach(loop -> assertFalse(loop.finish()));
    }

    /** One report through server 0, {@code seconds} after T0; each is a distinct message (its own nonce). */
    private void attempt(double seconds, String source, String ip) {
        clock.set(T0.plusMillis((long) (seconds * 1000)));
        paths.get(0).accept(Fixtures.CHANNEL, attemptText(source, ip, 1));
    }

    private String attemptText(String source, String ip, int failures) {
        return "jail=sshd, action=attempt, ip=" + ip + ", source=" + source + ", failures=" + failures + ", n=" + nonce++;
    }

    private int bans() {
        return runner.calls.size();
    }

    @Test
    void failuresInsideFindtimeFromEnoughHostsBanOnce() {
        servers(1, config(6, 3, 100));
        attempt(0, "a", "192.0.2.7");
        attempt(0, "a", "192.0.2.7");
        attempt(10, "b", "192.0.2.7");
        attempt(10, "b", "192.0.2.7");
        attempt(599.999, "c", "192.0.2.7");
        assertEquals(0, bans(), "5 failures are fewer than attempts");
        attempt(599.999, "c", "192.0.2.7");
        assertEquals(1, bans(), "the first report is 599.999 s old: still inside findtime");
        assertEquals(List.of("ban", "sshd", "banip", "192.0.2.7"), runner.argvs().get(0));
        String ban = runner.calls.get(0).invocation().message();
        assertEquals("jail=sshd, action=banip, ip=192.0.2.7, source=c, failures=6, n=5, bantime=3600", ban);
        assertEquals(new FleetBanStatus(0, 6, 1, 0), fleet.status());
    }

    @Test
    void aReportExactlyFindtimeOldNoLongerCounts() {
        servers(1, config(6, 3, 100));
        attempt(0, "a", "192.0.2.7");
        attempt(1, "a", "192.0.2.7");
        attempt(1, "b", "192.0.2.7");
        attempt(1, "b", "192.0.2.7");
        attempt(1, "c", "192.0.2.7");
        attempt(600, "c", "192.0.2.7");
        assertEquals(0, bans(), "the report at 0 left the window at 600: 5 failures are in it");
        attempt(600.5, "a", "192.0.2.7");
        assertEquals(1, bans(), "6 in the window again");
    }

    @Test
    void manyFailuresFromTooFewHostsDoNotBanUntilAnotherHostReports() {
        servers(1, config(6, 3, 100));
        for (int i = 0; i < 20; i++) {
            attempt(i, i % 2 == 0 ? "a" : "b", "192.0.2.7");
        }
        assertEquals(0, bans(), "20 failures from 2 hosts: hosts is 3");
        attempt(30, "c", "192.0.2.7");
        assertEquals(1, bans(), "the third host decides");
    }

    @Test
    void afterABanTheAddressIsCountedAfresh() {
        servers(1, config(3, 3, 100));
        attempt(0, "a", "192.0.2.7");
        attempt(0, "b", "192.0.2.7");
        attempt(0, "c", "192.0.2.7");
        assertEquals(1, bans());
        attempt(1, "a", "192.0.2.7");
        attempt(1, "b", "192.0.2.7");
        assertEquals(1, bans(), "the reports before the ban are gone");
        assertEquals(1, fleet.status().tracked());
        attempt(2, "c", "192.0.2.7");
        assertEquals(2, bans(), "a new round of reports bans again");
    }

    @Test
    void pastMaxTrackedTheLeastRecentlyReportedAddressIsForgotten() {
        servers(1, config(2, 2, 2));
        attempt(0, "a", "192.0.2.1");
        attempt(1, "a", "192.0.2.2");
        attempt(2, "a", "192.0.2.1");
        attempt(3, "a", "192.0.2.3");
        assertEquals(new FleetBanStatus(2, 4, 0, 1), fleet.status(), ".2 was reported least recently");
        attempt(4, "b", "192.0.2.1");
        assertEquals(1, bans(), ".1 was kept: its reports count");
        assertEquals(List.of("ban", "sshd", "banip", "192.0.2.1"), runner.argvs().get(0));
        attempt(5, "b", "192.0.2.2");
        assertEquals(1, bans(), ".2's first report was forgotten: one host's report is all it has");
        assertEquals(new FleetBanStatus(2, 6, 1, 1), fleet.status());
    }

    @Test
    void aReportThroughTwoServersCountsOnce() {
        servers(2, config(2, 2, 100));
        String report = attemptText("a", "192.0.2.7", 1);
        paths.get(0).accept(Fixtures.CHANNEL, report);
        paths.get(1).accept(Fixtures.CHANNEL, report);
        assertEquals(1, states.get(1).count(Counter.DEDUPLICATED));
        assertEquals(1, fleet.status().attempts());
        String other = attemptText("b", "192.0.2.7", 1);
        paths.get(1).accept(Fixtures.CHANNEL, other);
        paths.get(0).accept(Fixtures.CHANNEL, other);
        assertEquals(1, bans(), "two reports, two hosts: one ban whichever server brought them");
    }

    @Test
    void failuresWeighAReportAndAreCappedAtAttempts() {
        servers(1, config(6, 2, 100));
        clock.set(T0);
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("a", "192.0.2.7", 1_000_000));
        assertEquals(0, bans(), "one host's report alone never meets hosts");
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("b", "192.0.2.7", 1));
        assertEquals(1, bans());
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("a", "192.0.2.8", 0));
        paths.get(0).accept(Fixtures.CHANNEL, "jail=sshd, action=attempt, ip=192.0.2.8, failures=1");
        assertEquals(2, states.get(0).count(Counter.REJECTED), "failures=0 and no source");
    }

    @Test
    void anAttemptPassesTheActionFilterAndSkipOwnButIsNeverRun() {
        servers(1, config(2, 1, 100));
        attempt(0, HOST, "192.0.2.7");
        assertEquals(0, bans(), "counted, although its source is this host and action=attempt is no filter value");
        assertEquals(1, fleet.status().attempts());
        paths.get(0).accept(Fixtures.CHANNEL, "jail=nginx, action=attempt, ip=192.0.2.7, source=b");
        assertEquals(1, states.get(0).count(Counter.FILTERED_OUT), "the jail filter still applies");
        attempt(1, HOST, "192.0.2.7");
        assertEquals(1, bans(), "run as a ban, not as an attempt");
        assertEquals("banip", runner.argvs().get(0).get(2));
    }

    @Test
    void withoutFleetBanAnAttemptIsFilteredOutNotRun() {
        servers(1, null);
        attempt(0, "b", "192.0.2.7");
        assertEquals(0, bans());
        assertEquals(1, states.get(0).count(Counter.FILTERED_OUT));
        assertNull(fleet.status(), "no channel counts: status shows nothing");
    }

    @Test
    void theTimeAStreamStoredAReportIsItsTimeAndAnExpiredBanIsNotRun() {
        servers(1, config(2, 2, 100));
        clock.set(T0.plus(Duration.ofHours(3)));
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("a", "192.0.2.7", 1), T0, () -> { });
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("b", "192.0.2.7", 1), T0.plusSeconds(601), () -> { });
        assertEquals(1, fleet.status().tracked(), "stored 601 s apart: the first left the window");
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("a", "192.0.2.9", 1), T0, () -> { });
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("b", "192.0.2.9", 1), T0.plusSeconds(1), () -> { });
        assertEquals(0, bans(), "decided as of T0+1 s: its hour's bantime ended before now");
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("a", "192.0.2.10", 1), clock.instant(), () -> { });
        paths.get(0).accept(Fixtures.CHANNEL, attemptText("b", "192.0.2.10", 1), clock.instant(), () -> { });
        assertEquals(1, bans());
    }
}
