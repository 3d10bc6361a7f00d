package io.fail2bancluster.agent.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishCommandTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T22:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final List<OutboxStore.Entry> handedOver = new ArrayList<>();

    private PublishCommand command(OutboxStore store) {
        return new PublishCommand(store, "Fail2ban"::equals, handedOver::add, CLOCK);
    }

    @Test
    void keepsTheEntryOnDiskBeforeAnsweringWithItsSequence() throws IOException {
        OutboxStore store = OutboxStore.open(dir, 10);
        PublishCommand.Reply reply = command(store).apply("Fail2ban jail=sshd,action=banip,ip=192.0.2.7");
        assertTrue(reply.isOk());
        OutboxStore.Entry reread = OutboxStore.open(dir, 10).entries().get(0);
        assertEquals(OptionalLong.of(reread.sequence()), reply.sequence());
        assertEquals("Fail2ban", reread.channel());
        assertEquals("jail=sshd,action=banip,ip=192.0.2.7", reread.message());
        assertEquals(List.of(reread.sequence()), handedOver.stream().map(OutboxStore.Entry::sequence).toList());
    }

    @Test
    void aChannelNoServerCarriesIsRefusedAndNothingIsKept() throws IOException {
        OutboxStore store = OutboxStore.open(dir, 10);
        PublishCommand.Reply reply = command(store).apply("Other ip=192.0.2.7");
        assertEquals(Optional.of("no configured fanout server carries channel \"Other\"; nothing kept"), reply.error());
        assertEquals(0, store.size());
        assertTrue(handedOver.isEmpty());
    }

    @Test
    void badChannelsAndMessagesAreRefused() throws IOException {
        OutboxStore store = OutboxStore.open(dir, 10);
        PublishCommand publish = command(store);
        assertFalse(publish.apply("Fail2ban").isOk());
        assertFalse(publish.apply("Fail!ban ip=1").isOk());
        assertFalse(publish.apply("Fail2ban ip=1\rx").isOk());
        assertFalse(publish.apply("Fail2ban  ").isOk());
        assertEquals(0, store.size());
    }

    @Test
    void aFullOutboxRefusesAndCountsIt() throws IOException {
        OutboxStore store = OutboxStore.open(dir, 1);
        PublishCommand publish = command(store);
        assertTrue(publish.apply("Fail2ban ip=192.0.2.1").isOk());
        PublishCommand.Reply refused = publish.apply("Fail2ban ip=192.0.2.2");
        assertEquals(Optional.of("the outbox is full (outbox_max 1 entries); nothing kept"), refused.error());
        assertEquals(1, publish.refusedFull());
        assertEquals(1, store.size());
    }

    @Test
    void whileTheLedgerCannotBeWrittenAPublishIsRefusedWithTheReasonAndNothingIsKept() throws IOException {
        OutboxStore store = OutboxStore.open(dir, 10);
        String[] failure = {"cannot write /var/lib/f2bc/ledger.journal: No space left on device"};
        List<OutboxStore.Entry> recorded = new ArrayList<>();
        PublishRecorder ledger = new PublishRecorder() {
            @Override
            public Optional<String> refusal() {
                return Optional.ofNullable(failure[0]).map(f -> "the ledger cannot be written (" + f + ")");
            }

            @Override
            public void record(OutboxStore.Entry entry) {
                recorded.add(entry);
            }
        };
        PublishCommand publish = new PublishCommand(store, "Fail2ban"::equals, handedOver::add, CLOCK, ledger);
        PublishCommand.Reply refused = publish.apply("Fail2ban jail=sshd, action=banip, ip=192.0.2.7");
        assertEquals(Optional.of("the ledger cannot be written (cannot write /var/lib/f2bc/ledger.journal: No space "
                + "left on device); nothing kept"), refused.error());
        assertEquals(0, store.size());
        assertTrue(handedOver.isEmpty() && recorded.isEmpty());
        failure[0] = null; // space is back: the next write of the ledger succeeded
        assertTrue(publish.apply("Fail2ban jail=sshd, action=banip, ip=192.0.2.7").isOk());
        assertEquals(1, store.size());
        assertEquals(1, recorded.size());
    }
}
