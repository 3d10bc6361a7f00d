package io.fail2bancluster.agent.ledger;

import static io.fail2bancluster.agent.ledger.LedgerRulesTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ledger_max: a full ledger refuses a new key, never drops a ban in force, and makes room as bans end. */
class LedgerBoundTest {
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);

    private static Ban ban(int i, long bantime) {
        return Ban.of("Fail2ban", "host-a", "sshd", "192.0.2." + i, T0, bantime);
    }

    @Test
    void aFullLedgerRefusesANewKeyClearlyAndKeepsEveryBanInForce() throws Exception {
        Ledger ledger = Ledger.open(dir, 3, clock);
        for (int i = 1; i <= 3; i++) {
            ledger.applied(ban(i, 600));
        }
        LedgerFullException full = assertThrows(LedgerFullException.class, () -> ledger.admit(ban(4, 600)));
        assertEquals("the ledger is full (ledger_max 3 entries, none expired): Fail2ban sshd 192.0.2.4 is not "
                + "remembered; raise ledger_max", full.getMessage());
        assertThrows(LedgerFullException.class, () -> ledger.revoke(new Unban(LedgerKey.of("Fail2ban", "sshd",
                "192.0.2.5"), "host-a", T0, Optional.empty()), false));
        assertEquals(3, ledger.inForce(LedgerQuery.ALL).size());
        assertEquals(2, ledger.status().refused());

        // a key it holds changes still: an unban of a ban in force, a newer ban of the same address
        ledger.revoke(new Unban(ban(1, 600).key(), "host-a", T0.plusSeconds(1), Optional.empty()), true);
        assertEquals(Verdict.RUN, ledger.admit(Ban.of("Fail2ban", "host-a", "sshd", "192.0.2.2", T0.plusSeconds(2), 60)));
    }

    @Test
    void endedBansMakeRoomWithoutWaitingForTheMinutelySweep() throws Exception {
        Ledger ledger = Ledger.open(dir, 2, clock);
        ledger.applied(ban(1, 60));
        ledger.applied(ban(2, 600));
        clock.advance(Duration.ofSeconds(61));
        assertEquals(Verdict.RUN, ledger.admit(ban(3, 600)), "the ended ban of .1 left to make room");
        assertEquals(2, ledger.size());
    }

    @Test
    void aFullLedgerSweepsAtMostOncePerSecondSoARefusalCostsLittle() throws Exception {
        Ledger ledger = Ledger.open(dir, 1, clock);
        ledger.applied(new Ban(LedgerKey.of("Fail2ban", "sshd", "192.0.2.1"), "host-a", T0,
                Optional.of(T0.plusMillis(500))));
        assertThrows(LedgerFullException.class, () -> ledger.admit(ban(2, 600))); // swept at T0: nothing ended
        clock.advance(Duration.ofMillis(600));
        assertThrows(LedgerFullException.class, () -> ledger.admit(ban(2, 600)), "no second sweep within a second");
        clock.advance(Duration.ofMillis(400));
        assertEquals(Verdict.RUN, ledger.admit(ban(2, 600)), "a second later the sweep takes the ended ban out");
    }
}
