package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.catchup.FleetCatchUp;
import io.fail2bancluster.agent.catchup.HeldStore;
import io.fail2bancluster.agent.catchup.LinkCatchUp;
import io.fail2bancluster.agent.ledger.Ban;
import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.TestClock;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One host's fanout catch-up on one connection, with a frozen clock: what it asks, and what it answers when. */
class CatchUpHandlerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");
    private static final String CHANNEL = Fixtures.CHANNEL;

    @TempDir
    Path dir;

    /** Moved with the loop's time by {@link #after}. */
    private final TestClock clock = new TestClock(NOW);
    private Ledger ledger;
    private HeldStore held;
    private LinkCatchUp catchUp;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        ledger = Ledger.open(dir, 1000, clock);
        held = HeldStore.open(dir);
        ChannelRoutes routes = new ChannelRoutes(Map.of(CHANNEL, Fixtures.fail2banRoute()), Map.of());
        catchUp = new FleetCatchUp(ledger, "web1", clock, held, new Random(1)).forLink("fanout:1986", () -> routes);
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new CatchUpHandler(catchUp));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.finishAndReleaseAll();
        ledger.close();
        held.close();
    }

    private List<String> written() {
        List<String> lines = new ArrayList<>();
        for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            lines.add(((Command.Announce) out).message());
        }
        return lines;
    }

    private void greeted() {
        channel.writeInbound(ServerLine.DebugLine.GREETING);
        channel.readInbound();
    }

    /** Lets {@code millis} pass in steps of 10 ms, so each task runs at (about) its time, as on a real loop. */
    private void after(long millis) {
        for (long step = 0; step < millis; step += 10) {
            channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
            clock.advance(java.time.Duration.ofMillis(10));
            channel.runScheduledPendingTasks();
        }
    }

    private void ban(String origin, String ip) throws Exception {
        ledger.applied(Ban.of(CHANNEL, origin, "sshd", ip, NOW.minusSeconds(60), 600));
    }

    private static Message request(String source, long since) {
        return Message.parse("action=catchup, source=" + source + ", since=" + since);
    }

    @Test
    void aFreshHostAsksForEverythingOnceGreeted() {
        greeted();
        assertEquals(List.of("action=catchup, source=web1, since=0"), written());
    }

    @Test
    void theOriginAnswersItsOwnBansAtOnceAndOthersOnlyWhenTheirOriginStaysSilent() throws Exception {
        greeted();
        written();
        ban("web1", "192.0.2.1");
        ban("web2", "192.0.2.2");
        ban("web3", "192.0.2.3");
        catchUp.requested(CHANNEL, request("web9", 0));
        after(300);
        List<String> own = written();
        assertEquals(1, own.size(), own.toString());
        assertTrue(own.get(0).startsWith("jail=sshd, action=banip, ip=192.0.2.1, source=web1, bantime=540, time="
                + NOW.minusSeconds(60).getEpochSecond() + ", until=" + NOW.plusSeconds(540).getEpochSecond()
                + ", catchup=web1"), own.toString());
        // web2 is alive and answers for itself; web3 stays silent
        catchUp.reannounced(CHANNEL, BanMessage.of(CHANNEL, Message.parse("jail=sshd, action=banip, ip=192.0.2.2, "
                + "source=web2, bantime=540, catchup=web2"), NOW, "-").orElseThrow());
        after(5000);
        List<String> others = written();
        assertEquals(1, others.size(), others.toString());
        assertTrue(others.get(0).contains("ip=192.0.2.3, source=web3"), others.toString());
    }

    @Test
    void aBurstOfRequestsCostsOneAnswerPerBan() throws Exception {
        greeted();
        written();
        for (int i = 1; i <= 20; i++) {
            ban("web1", "192.0.2." + i);
        }
        for (int i = 0; i < 100; i++) {
            catchUp.requested(CHANNEL, request("intruder", 0));
        }
        after(10_000);
        assertEquals(20, written().size());
    }

    @Test
    void aRequestSoonAfterAnAnswerGetsItOnceTheRateLimitAllowsAndOnlyOnce() throws Exception {
        greeted();
        written();
        for (int i = 1; i <= 20; i++) {
            ban("web1", "192.0.2." + i);
        }
        catchUp.requested(CHANNEL, request("web5", 0));
        after(1000);
        assertEquals(20, written().size());
        for (int i = 0; i < 100; i++) {
            catchUp.requested(CHANNEL, request("web7", 0)); // came back just after those answers went out
            after(10);
        }
        assertEquals(List.of(), written(), "not again within 5 s of the last answer");
        after(3500); // 5.5 s: 5 s after the first answers (at most 0.25 s in)
        assertEquals(20, written().size(), "the late requester gets its answers once 5 s have passed");
        after(10_000);
        assertEquals(List.of(), written(), "and only once");
    }

    @Test
    void aRequestersOwnBansAreNotSentBackUnlessItStartsAfresh() throws Exception {
        greeted();
        written();
        ban("web2", "192.0.2.2");
        catchUp.requested(CHANNEL, request("web2", NOW.minusSeconds(3600).getEpochSecond()));
        after(5000);
        assertEquals(List.of(), written());
        after(6000);
        catchUp.requested(CHANNEL, request("web2", 0));
        after(5000); // others answer within 1.5 + 3 s
        assertEquals(1, written().size());
    }

    @Test
    void ourOwnRequestComingBackIsNotAnswered() throws Exception {
        greeted();
        written();
        ban("web1", "192.0.2.1");
        catchUp.requested(CHANNEL, request("web1", 0));
        after(5000);
        assertEquals(List.of(), written());
    }

    @Test
    void anOriginThatAnsweredTheLastRoundAndThenWentDownHasItsBansAnsweredByOthers() throws Exception {
        greeted();
        written();
        ban("web2", "192.0.2.2");
        catchUp.requested(CHANNEL, request("web8", 0));
        after(300);
        catchUp.reannounced(CHANNEL, BanMessage.of(CHANNEL, Message.parse("jail=sshd, action=banip, ip=192.0.2.2, "
                + "source=web2, bantime=540, catchup=web2"), NOW, "-").orElseThrow());
        after(5000);
        assertEquals(List.of(), written(), "web2 answered for itself");
        // web2 goes down; a fresh host asks: web2's silence this round is what counts, not its answer of the last
        catchUp.requested(CHANNEL, request("web9", 0));
        after(5000);
        List<String> others = written();
        assertEquals(1, others.size(), others.toString());
        assertTrue(others.get(0).contains("ip=192.0.2.2, source=web2"), others.toString());
    }

    @Test
    void ourOwnAnswersComingBackDoNotStopTheRestOfOurAnswers() throws Exception {
        greeted();
        written();
        for (int i = 1; i <= 600; i++) {
            ban("web2", "10.0." + i / 250 + "." + i % 250); // 600 of web2's: more than a chunk
        }
        catchUp.requested(CHANNEL, request("web9", 0));
        int answered = 0;
        for (int step = 0; step < 600; step++) { // 6 s: each answer comes back 10 ms after it went out
            after(10);
            for (String answer : written()) {
                answered++;
                catchUp.reannounced(CHANNEL, BanMessage.of(CHANNEL, Message.parse(answer), NOW, "-").orElseThrow());
            }
        }
        assertEquals(600, answered, "every ban once, though its own answers came back");
    }

    @Test
    void aBanThatCameAfterTheRequestIsNotAnswered() throws Exception {
        greeted();
        written();
        ban("web2", "192.0.2.2");
        catchUp.requested(CHANNEL, request("web9", 0));
        after(100);
        ledger.applied(Ban.of(CHANNEL, "web3", "sshd", "192.0.2.3", clock.instant(), 600)); // reached web9 live
        after(5000);
        List<String> answers = written();
        assertEquals(1, answers.size(), answers.toString());
        assertTrue(answers.get(0).contains("ip=192.0.2.2"), answers.toString());
    }

    @Test
    void aConnectionThatDropsWhileCatchingUpAsksAgainFromWhereItAskedBefore() {
        held.record("fanout:1986", CHANNEL, NOW.minusSeconds(3600));
        greeted();
        assertEquals(List.of("action=catchup, source=web1, since=" + NOW.minusSeconds(3610).getEpochSecond()),
                written());
        after(2000);
        channel.pipeline().fireChannelInactive(); // dropped before the answers were all in
        greeted();
        assertEquals(List.of("action=catchup, source=web1, since=" + NOW.minusSeconds(3610).getEpochSecond()),
                written());
        after(20_000); // caught up: from now on the channel is held as lines come
        channel.pipeline().fireChannelInactive();
        greeted();
        String third = written().get(0);
        long since = Long.parseLong(third.substring(third.lastIndexOf('=') + 1));
        assertTrue(since > NOW.minusSeconds(60).getEpochSecond(), "held until its last line once caught up: " + third);
    }
}
