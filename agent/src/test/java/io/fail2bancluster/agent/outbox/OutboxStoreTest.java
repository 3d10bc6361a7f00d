package io.fail2bancluster.agent.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxStoreTest {
    private static final Instant T0 = Instant.parse("2026-12-01T20:00:00Z");

    @TempDir
    Path dir;

    private Path outbox() {
        return dir.resolve("outbox");
    }

    @Test
    void whatWasAppendedIsThereAfterAReopenInOrderWithItsConfirmations() throws IOException {
        OutboxStore store = OutboxStore.open(outbox(), 10);
        OutboxStore.Entry first = store.append("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7", T0);
        OutboxStore.Entry second = store.append("Fail2ban", "jail=sshd, action=unbanip, ip=192.0.2.7", T0.plusSeconds(1));
        store.confirm(first.sequence(), "fanout1:1986");

        // a new process: nothing of the first one's memory, only the files
        OutboxStore reopened = OutboxStore.open(outbox(), 10);
        List<OutboxStore.Entry> entries = reopened.entries();
        assertEquals(2, entries.size());
        assertEquals("jail=sshd, action=banip, ip=192.0.2.7", entries.get(0).message());
        assertEquals(Set.of("fanout1:1986"), entries.get(0).confirmed());
        assertEquals("jail=sshd, action=unbanip, ip=192.0.2.7", entries.get(1).message());
        assertEquals(Set.of(), entries.get(1).confirmed());
        assertEquals(Optional.of(T0), reopened.oldest());
        assertTrue(reopened.append("Fail2ban", "next", T0).sequence() > second.sequence(), "sequence numbers are never reused");
    }

    @Test
    void aRemovedEntryIsGoneForGood() throws IOException {
        OutboxStore store = OutboxStore.open(outbox(), 10);
        OutboxStore.Entry entry = store.append("Fail2ban", "m", T0);
        store.confirm(entry.sequence(), "a:1");
        store.remove(entry.sequence());
        assertEquals(0, store.size());
        assertEquals(0, OutboxStore.open(outbox(), 10).size());
        try (Stream<Path> files = Files.list(outbox())) {
            assertEquals(0, files.count(), "no file left behind");
        }
    }

    @Test
    void pastItsBoundItRefusesAndKeepsWhatItHas() throws IOException {
        OutboxStore store = OutboxStore.open(outbox(), 2);
        store.append("Fail2ban", "a", T0);
        store.append("Fail2ban", "b", T0);
        OutboxStore.FullException full = assertThrows(OutboxStore.FullException.class,
                () -> store.append("Fail2ban", "c", T0));
        assertEquals("the outbox is full (outbox_max 2 entries)", full.getMessage());
        assertEquals(2, OutboxStore.open(outbox(), 2).size());
    }

    @Test
    void aWriteACrashInterruptedIsDroppedAtOpen() throws IOException {
        OutboxStore.open(outbox(), 10).append("Fail2ban", "kept", T0);
        Files.writeString(outbox().resolve("00000000000000000002.msg.tmp"), "2026-12-01T20:00:00Z\nFail2ban\nhalf");
        OutboxStore reopened = OutboxStore.open(outbox(), 10);
        assertEquals(List.of("kept"), reopened.entries().stream().map(OutboxStore.Entry::message).toList());
        assertTrue(Files.notExists(outbox().resolve("00000000000000000002.msg.tmp")));
    }

    @Test
    void itsFolderAndFilesAreTheOwnersOnly() throws IOException {
        OutboxStore.open(outbox(), 10).append("Fail2ban", "m", T0);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(outbox())));
        try (Stream<Path> files = Files.list(outbox())) {
            for (Path file : files.toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
            }
        }
    }

    @Test
    void aLineBreakCannotBeStored() throws IOException {
        OutboxStore store = OutboxStore.open(outbox(), 10);
        assertThrows(IllegalArgumentException.class, () -> store.append("Fail2ban", "a\nannounce x y", T0));
        assertThrows(IllegalArgumentException.class, () -> store.append("Fail2ban", "a\rb", T0));
    }
}
