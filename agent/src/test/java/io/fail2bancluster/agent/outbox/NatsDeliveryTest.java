package io.fail2bancluster.agent.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NatsDeliveryTest {
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final Instant ACCEPTED = Instant.parse("2026-12-02T01:00:00.123456789Z");

    @Test
    void everyAttemptOfAnEntryCarriesOneIdEvenAfterARestart() {
        OutboxStore.Entry entry = new OutboxStore.Entry(7, ACCEPTED, "Fail2ban", BAN, Set.of());
        OutboxStore.Entry readAgain = new OutboxStore.Entry(7, ACCEPTED, "Fail2ban", BAN, Set.of("fanout:1986"));
        assertEquals(NatsDelivery.messageId(entry), NatsDelivery.messageId(readAgain));
    }

    @Test
    void theSameBanHandedOverAgainIsAnotherMessage() {
        // fail2ban banning an address again is a new event: the stream must not drop it as a duplicate
        String first = NatsDelivery.messageId(new OutboxStore.Entry(7, ACCEPTED, "Fail2ban", BAN, Set.of()));
        assertNotEquals(first, NatsDelivery.messageId(new OutboxStore.Entry(8, ACCEPTED, "Fail2ban", BAN, Set.of())));
        assertNotEquals(first, NatsDelivery.messageId(
                new OutboxStore.Entry(7, ACCEPTED.plusNanos(1), "Fail2ban", BAN, Set.of())));
    }
}
