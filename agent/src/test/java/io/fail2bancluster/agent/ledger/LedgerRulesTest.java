package io.fail2bancluster.agent.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.ledger.LedgerEntry.State;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the ledger makes of bans and unbans that arrive, with a clock that moves only when told. */
class LedgerRulesTest {
    static final Instant T0 = Instant.parse("2026-12-07T02:00:00Z");

    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);
    Ledger ledger;

    @BeforeEach
    void open() throws IOException {
        ledger = Ledger.open(dir, 100, clock);
    }

    static Ban ban(String ip, Instant start, long bantime) {
        return Ban.of("Fail2ban", "host-a", "sshd", ip, start, bantime);
    }

    static Unban unban(String ip, Instant at) {
        return new Unban(LedgerKey.of("Fail2ban", "sshd", ip), "host-a", at, Optional.empty());
    }

    @Test
    void aNewBanRunsIsPendingUntilItsActionSucceedsThenAnnouncedAgainRunsNothing() throws Exception {
        Ban ban = ban("192.0.2.7", T0, 600);
        assertEquals(Verdict.RUN, ledger.admit(ban));
        assertEquals(State.PENDING, ledger.get(ban.key()).orElseThrow().state());
        assertEquals(Verdict.PENDING, ledger.admit(ban), "a copy while the action is pending runs nothing");
        assertEquals(List.of(ledger.get(ban.key()).orElseThrow()), ledger.awaitingAction());
        assertFalse(ledger.hasApplied(ban));

        assertEquals(State.APPLIED, ledger.applied(ban));
        assertTrue(ledger.hasApplied(ban));
        assertEquals(Verdict.APPLIED, ledger.admit(ban));
        assertEquals(List.of(), ledger.awaitingAction());
    }

    @Test
    void aBanThisHostMadeIsAppliedAndItsReAnnounceRunsNothing() throws Exception {
        Ban own = ban("192.0.2.7", T0, 600);
        assertEquals(State.APPLIED, ledger.applied(own));
        assertEquals(Verdict.APPLIED, ledger.verdict(own));
    }

    @Test
    void aBanThisHostMadeIsInForceAndItsOwnAnnounceComingBackRunsItOnce() throws Exception {
        Ban own = ban("192.0.2.7", T0, 600);
        ledger.made(own);
        assertEquals(State.MADE, ledger.get(own.key()).orElseThrow().state());
        assertEquals(1, ledger.inForce(LedgerQuery.ALL).size(), "answered in catch-up as a ban in force");
        assertEquals(List.of(), ledger.awaitingAction(), "nothing to resume after a restart");
        assertTrue(ledger.hasApplied(own));
        assertEquals(Verdict.RUN, ledger.admit(own), "the channel's action has not run for it here");
        assertEquals(State.APPLIED, ledger.applied(own));
        assertEquals(Verdict.APPLIED, ledger.admit(own), "and runs once");
        ledger.made(ban("192.0.2.7", T0.minusSeconds(5), 600));
        assertEquals(State.APPLIED, ledger.get(own.key()).orElseThrow().state(), "an older ban changes nothing");
    }

    @Test
    void aBanEndsAtItsStartPlusBantimeAndThenLeaves() throws Exception {
        Ban ban = ban("192.0.2.7", T0, 600);
        ledger.admit(ban);
        ledger.applied(ban);
        clock.advance(Duration.ofSeconds(599));
        assertEquals(1, ledger.inForce(LedgerQuery.ALL).size());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(), ledger.inForce(LedgerQuery.ALL));
        assertEquals(Verdict.EXPIRED, ledger.verdict(ban), "announced again after its end, it never runs");
        assertEquals(1, ledger.size(), "still held until a sweep");
        assertEquals(1, ledger.sweep());
        assertEquals(0, ledger.size());
    }

    @Test
    void anAnnounceOfABanThatEndedBeforeItArrivedRunsNothingAndIsNotKept() throws Exception {
        clock.advance(Duration.ofHours(1));
        assertEquals(Verdict.EXPIRED, ledger.admit(ban("192.0.2.7", T0, 600)));
        assertEquals(0, ledger.size());
    }

    @Test
    void aPermanentBanNeverEnds() throws Exception {
        Ban permanent = ban("192.0.2.7", T0, -1);
        assertTrue(permanent.isPermanent());
        ledger.applied(permanent);
        clock.advance(Duration.ofDays(3650));
        ledger.sweep();
        LedgerEntry entry = ledger.inForce(LedgerQuery.ALL).get(0);
        assertTrue(entry.isPermanent());
        assertEquals(Optional.empty(), entry.end());
        assertEquals(Verdict.APPLIED, ledger.verdict(permanent));
    }

    @Test
    void anUnbanOfABanThatRanMakesItsUnbanDueUntilItSucceeds() throws Exception {
        Ban ban = ban("192.0.2.7", T0, 600);
        ledger.admit(ban);
        ledger.applied(ban);
        clock.advance(Duration.ofSeconds(10));
        LedgerEntry revoked = ledger.revoke(unban("192.0.2.7", clock.instant()), false);
        assertEquals(State.UNBAN_PENDING, revoked.state());
        assertEquals(List.of(revoked), ledger.awaitingAction());
        assertEquals(List.of(), ledger.inForce(LedgerQuery.ALL));

        assertTrue(ledger.unbanned(ban.key()));
        assertEquals(State.REVOKED, ledger.get(ban.key()).orElseThrow().state());
        assertEquals(List.of(), ledger.awaitingAction());
        assertFalse(ledger.unbanned(ban.key()), "nothing more is due");
    }

    @Test
    void anUnbanMakesAPendingBanMootAndNothingIsDue() throws Exception {
        Ban ban = ban("192.0.2.7", T0, 600);
        ledger.admit(ban);
        assertEquals(State.REVOKED, ledger.revoke(unban("192.0.2.7", T0.plusSeconds(5)), false).state());
        assertEquals(List.of(), ledger.awaitingAction());
    }

    @Test
    void aHostsOwnUnbanWasDoneByItsFail2banSoNothingIsDue() throws Exception {
        Ban own = ban("192.0.2.7", T0, 600);
        ledger.applied(own);
        assertEquals(State.REVOKED, ledger.revoke(unban("192.0.2.7", T0.plusSeconds(5)), true).state());
    }

    @Test
    void aRevocationIsKeptUntilTheBansEndSoALateReAnnounceNeverRuns() throws Exception {
        Ban ban = ban("192.0.2.7", T0, 600);
        ledger.admit(ban);
        ledger.applied(ban);
        ledger.revoke(unban("192.0.2.7", T0.plusSeconds(10)), true);
        clock.advance(Duration.ofSeconds(300));
        assertEquals(Verdict.REVOKED, ledger.admit(ban), "the same ban announced again by a host that missed the unban");
        assertEquals(State.REVOKED, ledger.get(ban.key()).orElseThrow().state(), "admit changed nothing");
        clock.advance(Duration.ofSeconds(300));
        assertEquals(Verdict.EXPIRED, ledger.verdict(ban));
        ledger.sweep();
        assertEquals(0, ledger.size(), "the revocation leaves with the ban's end");
    }

    @Test
    void aBanMadeAfterTheUnbanRunsAgain() throws Exception {
        Ban first = ban("192.0.2.7", T0, 600);
        ledger.applied(first);
        ledger.revoke(unban("192.0.2.7", T0.plusSeconds(10)), true);
        Ban again = ban("192.0.2.7", T0.plusSeconds(20), 600);
        assertEquals(Verdict.RUN, ledger.admit(again));
        assertEquals(State.APPLIED, ledger.applied(again));
        assertEquals(T0.plusSeconds(620), ledger.get(again.key()).orElseThrow().end().orElseThrow());
    }

    @Test
    void anUnbanOfABanThisHostNeverSawIsKeptUntilTheEndItGivesSoTheBanNeverRuns() throws Exception {
        Unban unknown = new Unban(LedgerKey.of("Fail2ban", "sshd", "192.0.2.7"), "host-b", T0.plusSeconds(10),
                Optional.of(T0.plusSeconds(600)));
        assertEquals(State.REVOKED, ledger.revoke(unknown, false).state());
        assertEquals(Verdict.REVOKED, ledger.admit(ban("192.0.2.7", T0, 600)));
        clock.advance(Duration.ofSeconds(600));
        assertEquals(Optional.empty(), ledger.get(unknown.key()));
    }

    @Test
    void anUnbanWhileTheBansActionRunsMakesTheUnbanDueOnceTheBanSucceeds() throws Exception {
        Ban ban = ban("192.0.2.7", T0, 600);
        ledger.admit(ban);
        ledger.revoke(unban("192.0.2.7", T0.plusSeconds(1)), false); // the action is still running
        assertEquals(State.UNBAN_PENDING, ledger.applied(ban), "it did run after all: its unban is due");
        assertEquals(State.UNBAN_PENDING, ledger.awaitingAction().get(0).state());
    }

    @Test
    void anOlderBanAnnouncedAfterANewerOneIsSupersededAndANewerOneRuns() throws Exception {
        Ban newer = ban("192.0.2.7", T0.plusSeconds(60), 600);
        ledger.applied(newer);
        assertEquals(Verdict.SUPERSEDED, ledger.admit(ban("192.0.2.7", T0, 600)));
        assertEquals(State.APPLIED, ledger.applied(ban("192.0.2.7", T0, 6000)), "the newer ban's state, left as it is");
        assertEquals(T0.plusSeconds(660), ledger.get(newer.key()).orElseThrow().end().orElseThrow());
        Ban newest = Ban.of("Fail2ban", "host-b", "sshd", "192.0.2.7", T0.plusSeconds(120), 3600);
        assertEquals(Verdict.RUN, ledger.admit(newest));
        assertEquals("host-b", ledger.get(newest.key()).orElseThrow().origin());
    }

    @Test
    void keysAreNormalisedAndKeptApartByChannelAndJail() throws Exception {
        ledger.applied(Ban.of("Fail2ban", "host-a", "sshd", "2001:DB8:0:0::1", T0, 600));
        assertEquals(Verdict.APPLIED, ledger.verdict(Ban.of("Fail2ban", "host-a", "sshd", "2001:db8::1", T0, 600)));
        ledger.applied(Ban.of("Fail2ban", "host-a", "sshd", "::ffff:192.0.2.7", T0, 600));
        assertEquals(Verdict.APPLIED, ledger.verdict(ban("192.0.2.7", T0, 600)));
        assertEquals(Verdict.RUN, ledger.verdict(Ban.of("Fail2ban", "host-a", "nginx", "192.0.2.7", T0, 600)));
        assertEquals(Verdict.RUN, ledger.verdict(Ban.of("Other", "host-a", "sshd", "192.0.2.7", T0, 600)));
        assertEquals("2001:db8::1", LedgerKey.of("c", "j", "2001:DB8::1").address().canonical());
        assertThrows(IllegalArgumentException.class, () -> LedgerKey.of("c", "j", "10.0.0.5/24"));
        assertThrows(IllegalArgumentException.class, () -> LedgerKey.of("c", "j", "example.com"));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> LedgerKey.of("c", "j".repeat(5000), "192.0.2.7"));
        assertEquals("a jail name of 5000 characters; the ledger keeps names of up to 4096", tooLong.getMessage());
    }

    @Test
    void aClosedLedgerTakesNoChange() throws Exception {
        ledger.close();
        assertThrows(IllegalStateException.class, () -> ledger.admit(ban("192.0.2.7", T0, 600)));
    }
}
