package io.fail2bancluster.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.agent.ledger.Ban;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerEntry.State;
import io.fail2bancluster.agent.ledger.LedgerKey;
import io.fail2bancluster.agent.ledger.Verdict;
import io.fail2bancluster.agent.outbox.OutboxStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** This host's own bans and unbans as the ledger learns of them from the outbox. */
class OwnBansTest {
    private static final Instant NOW = Instant.parse("2026-12-07T06:00:00Z");
    private static final LedgerKey KEY = LedgerKey.of("Fail2ban", "sshd", "192.0.2.7");

    @TempDir
    Path dir;
    private Ledger ledger;
    private OwnBans own;

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(dir, 100, Clock.fixed(NOW, ZoneOffset.UTC));
        own = new OwnBans(ledger, "web1");
    }

    @AfterEach
    void close() throws Exception {
        ledger.close();
    }

    private void published(long sequence, String message) {
        own.record(new OutboxStore.Entry(sequence, NOW, "Fail2ban", message, Set.of()));
    }

    @Test
    void anOwnBanIsMadeAndItsUnbanRevokesItWithNothingDueWhenNoActionRanItHere() {
        published(1, "jail=sshd, action=banip, ip=192.0.2.7, source=web1, bantime=600");
        assertEquals(State.MADE, ledger.get(KEY).orElseThrow().state());
        published(2, "jail=sshd, action=unbanip, ip=192.0.2.7, source=web1");
        assertEquals(State.REVOKED, ledger.get(KEY).orElseThrow().state(), "skip_own: nothing ran, nothing to undo");
        assertEquals(List.of(), ledger.awaitingAction());
    }

    @Test
    void anOwnUnbanOfABanTheChannelsActionRanHereIsDueThere() throws Exception {
        published(1, "jail=sshd, action=banip, ip=192.0.2.7, source=web1, bantime=600");
        Ban echo = new Ban(KEY, "web1", ledger.get(KEY).orElseThrow().start(), ledger.get(KEY).orElseThrow().end());
        assertEquals(Verdict.RUN, ledger.admit(echo), "its own announce came back on a channel without skip_own");
        ledger.applied(echo);
        published(2, "jail=sshd, action=unbanip, ip=192.0.2.7, source=web1");
        assertEquals(State.UNBAN_PENDING, ledger.get(KEY).orElseThrow().state(),
                "the unban's own announce runs the unban where the ban ran");
    }
}
