package io.fail2bancluster.agent.ledger;

import static io.fail2bancluster.agent.ledger.LedgerRulesTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The questions `bans`, catch-up answers and retries ask of the ledger. */
class LedgerQueryTest {
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);
    Ledger ledger;

    @BeforeEach
    void fill() throws Exception {
        ledger = Ledger.open(dir, 100, clock);
        ledger.applied(Ban.of("Fail2ban", "host-a", "sshd", "192.0.2.7", T0, 600));
        ledger.applied(Ban.of("Fail2ban", "host-b", "sshd", "10.0.0.0/8", T0.plusSeconds(1), -1));
        ledger.applied(Ban.of("Fail2ban", "host-a", "nginx", "10.1.2.3", T0.plusSeconds(2), 60));
        ledger.applied(Ban.of("Other", "host-c", "sshd", "2001:db8::/32", T0.plusSeconds(3), 3600));
        ledger.admit(Ban.of("Fail2ban", "host-c", "sshd", "2001:db8::5", T0.plusSeconds(4), 120));
    }

    private static List<String> addresses(List<LedgerEntry> entries) {
        return entries.stream().map(e -> e.address().canonical()).toList();
    }

    @Test
    void allInForceSoonestToEndFirstPermanentLast() {
        assertEquals(List.of("10.1.2.3", "2001:db8::5", "192.0.2.7", "2001:db8::/32", "10.0.0.0/8"),
                addresses(ledger.inForce(LedgerQuery.ALL)));
    }

    @Test
    void byChannelAndJail() {
        assertEquals(List.of("2001:db8::/32"), addresses(ledger.inForce(LedgerQuery.ALL.channel("Other"))));
        assertEquals(List.of("2001:db8::5", "192.0.2.7", "10.0.0.0/8"),
                addresses(ledger.inForce(LedgerQuery.ALL.channel("Fail2ban").jail("sshd"))));
    }

    @Test
    void byAddressIncludingTheRangesThatCoverIt() {
        assertEquals(List.of("10.1.2.3", "10.0.0.0/8"), addresses(ledger.inForce(LedgerQuery.ALL.covering("10.1.2.3"))));
        assertEquals(List.of("10.0.0.0/8"), addresses(ledger.inForce(LedgerQuery.ALL.covering("10.9.0.0/16"))));
        assertEquals(List.of("2001:db8::5", "2001:db8::/32"),
                addresses(ledger.inForce(LedgerQuery.ALL.covering("2001:DB8::5"))));
        assertEquals(List.of("10.1.2.3", "10.0.0.0/8"),
                addresses(ledger.inForce(LedgerQuery.ALL.covering("::ffff:10.1.2.3"))), "an IPv4-mapped spelling");
        assertEquals(List.of(), addresses(ledger.inForce(LedgerQuery.ALL.covering("198.51.100.1"))));
        assertThrows(IllegalArgumentException.class, () -> LedgerQuery.ALL.covering("10.1.2.3/8"));
    }

    @Test
    void unbannedAndEndedBansAreNotInForce() throws Exception {
        ledger.revoke(new Unban(LedgerKey.of("Fail2ban", "sshd", "192.0.2.7"), "host-a", T0.plusSeconds(5),
                Optional.empty()), true);
        clock.advance(Duration.ofSeconds(62)); // 10.1.2.3 (60 s) has ended
        assertEquals(List.of("2001:db8::5", "2001:db8::/32", "10.0.0.0/8"), addresses(ledger.inForce(LedgerQuery.ALL)));
    }

    @Test
    void sinceATimeGivesBansStartedAndRevocationsMadeSinceOnThatChannelOldestFirst() throws Exception {
        Instant cut = T0.plusSeconds(2);
        assertEquals(List.of("10.1.2.3", "2001:db8::5"), addresses(ledger.since("Fail2ban", cut)));
        ledger.revoke(new Unban(LedgerKey.of("Fail2ban", "sshd", "192.0.2.7"), "host-a", T0.plusSeconds(9),
                Optional.empty()), true);
        List<LedgerEntry> since = ledger.since("Fail2ban", cut);
        assertEquals(List.of("10.1.2.3", "2001:db8::5", "192.0.2.7"), addresses(since));
        assertEquals(LedgerEntry.State.REVOKED, since.get(2).state());
        assertEquals(T0, since.get(2).start(), "a revocation keeps the start of the ban it revokes");
        assertEquals(5, ledger.since("Fail2ban", Instant.EPOCH).size() + ledger.since("Other", Instant.EPOCH).size());
    }

    @Test
    void awaitingActionListsPendingBansAndDueUnbansOldestFirst() throws Exception {
        ledger.revoke(new Unban(LedgerKey.of("Fail2ban", "sshd", "192.0.2.7"), "host-a", T0.plusSeconds(9),
                Optional.empty()), false);
        assertEquals(List.of("2001:db8::5", "192.0.2.7"), addresses(ledger.awaitingAction()));
        clock.advance(Duration.ofSeconds(130)); // 2001:db8::5 (120 s) ended while pending: no more retries
        assertEquals(List.of("192.0.2.7"), addresses(ledger.awaitingAction()));
    }

    @Test
    void statusCountsWhatIsHeld() throws Exception {
        ledger.revoke(new Unban(LedgerKey.of("Fail2ban", "sshd", "192.0.2.7"), "host-a", T0.plusSeconds(9),
                Optional.empty()), false);
        LedgerStatus status = ledger.status();
        assertEquals(5, status.entries());
        assertEquals(100, status.max());
        assertEquals(4, status.inForce());
        assertEquals(2, status.awaitingAction());
        assertEquals(1, status.revoked());
        assertEquals(Optional.empty(), status.lastWritten(), "nothing written yet");
        assertEquals(Optional.empty(), status.writeFailure());
    }

    @Test
    void bansEndingTogetherAsAnImportDoesAreListedByChannelJailThenAddressAsANumber() throws Exception {
        Ledger imported = Ledger.open(dir.resolve("import"), 100, clock);
        for (String ip : List.of("10.0.0.10", "10.0.0.9", "2001:db8::1", "10.0.0.0/24", "9.9.9.9")) {
            imported.applied(Ban.of("Fail2ban", "host-a", "manual", ip, T0, 3600));
        }
        imported.applied(Ban.of("Fail2ban", "host-a", "blocklist", "203.0.113.1", T0, 3600));
        assertEquals(List.of("203.0.113.1", "9.9.9.9", "10.0.0.0/24", "10.0.0.9", "10.0.0.10", "2001:db8::1"),
                addresses(imported.inForce(LedgerQuery.ALL)));
    }
}
