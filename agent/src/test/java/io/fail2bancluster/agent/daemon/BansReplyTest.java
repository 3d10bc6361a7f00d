package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.ledger.Ban;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerQuery;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BansReplyTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theLedgersBansInForceOneFieldEachSoonestEndFirst() throws Exception {
        try (Ledger ledger = Ledger.open(dir, 1000, Clock.fixed(T0, ZoneOffset.UTC))) {
            ledger.start();
            ledger.admit(Ban.of("Fail2ban", "web1", "sshd", "10.0.0.0/8", T0.minusSeconds(60), -1));
            ledger.admit(Ban.of("Fail2ban", "web2", "sshd", "192.0.2.7", T0.minusSeconds(60), 600));
            ledger.admit(Ban.of("Other", "web2", "nginx", "2001:DB8::1", T0.minusSeconds(60), 3600));
            ledger.admit(Ban.of("Fail2ban", "web2", "sshd", "192.0.2.8", T0.minusSeconds(6000), 600));

            ControlReply all = BansReply.answer("", ledger::inForce);
            assertEquals(Map.of("count", "3",
                    "ban.1", "192.0.2.7 sshd web2 " + (T0.getEpochSecond() - 60) + " " + (T0.getEpochSecond() + 540) + " Fail2ban",
                    "ban.2", "2001:db8::1 nginx web2 " + (T0.getEpochSecond() - 60) + " " + (T0.getEpochSecond() + 3540) + " Other",
                    "ban.3", "10.0.0.0/8 sshd web1 " + (T0.getEpochSecond() - 60) + " permanent Fail2ban"), all.fields());
            assertEquals(List.of("count", "ban.1", "ban.2", "ban.3"), List.copyOf(all.fields().keySet()));

            ControlReply covering = BansReply.answer("channel=Fail2ban jail=sshd ip=10.1.2.3", ledger::inForce);
            assertEquals("1", covering.fields().get("count"));
            assertTrue(covering.fields().get("ban.1").startsWith("10.0.0.0/8 sshd web1 "));
        }
    }

    @Test
    void aQueryIsTakenApartAndABadOneRefused() {
        AtomicReference<LedgerQuery> asked = new AtomicReference<>();
        BansReply.answer(" jail=sshd  ip=2001:DB8::1 ", query -> {
            asked.set(query);
            return List.of();
        });
        assertEquals(LedgerQuery.ALL.jail("sshd").covering("2001:db8::1"), asked.get());
        assertEquals("bans takes channel=NAME, jail=NAME and ip=ADDRESS, got 'colour=red'",
                BansReply.answer("colour=red", query -> List.of()).error().orElseThrow());
        assertTrue(BansReply.answer("ip=example.com", query -> List.of()).error().orElseThrow().contains("example.com"));
    }
}
