package io.fail2bancluster.agent.ledger;

import static io.fail2bancluster.agent.ledger.LedgerRulesTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19 item 5, the ledger's half: a full disk leaves nothing half-written, is reported, and passes. */
class LedgerFullDiskTest {
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);
    final FullDisk disk = new FullDisk();

    private Ledger open() throws IOException {
        return Ledger.open(dir, 1000, clock, disk, 2048);
    }

    private static Ban ban(int i) {
        return Ban.of("Fail2ban", "host-a", "sshd", "192.0.2." + i, T0, 600);
    }

    private List<Path> files() throws IOException {
        try (var list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }

    @Test
    void anAppendThatRunsOutOfSpaceIsReportedAndKeepsNoHalfRecordAndTheLedgerInMemoryWhole() throws Exception {
        Ledger ledger = open();
        ledger.applied(ban(1));
        ledger.write();
        disk.room(100); // one record and a half
        ledger.applied(ban(2));
        ledger.applied(ban(3));
        IOException e = assertThrows(IOException.class, ledger::write);
        assertEquals("cannot append to " + dir.resolve(LedgerFiles.JOURNAL) + ": " + FullDisk.ENOSPC, e.getMessage());
        assertEquals(Optional.of(e.getMessage()), ledger.status().writeFailure());
        assertEquals(3, ledger.inForce(LedgerQuery.ALL).size(), "memory is whole");
        assertEquals(Verdict.APPLIED, ledger.verdict(ban(3)));

        // killed now: what is on disk is an earlier state, never a half record
        Ledger afterKill = Ledger.open(dir, 1000, clock);
        assertEquals(Verdict.APPLIED, afterKill.verdict(ban(1)));
        assertEquals(Verdict.APPLIED, afterKill.verdict(ban(2)), "the whole record written before the disk filled");
        assertEquals(Verdict.RUN, afterKill.verdict(ban(3)), "the torn one is left out");
    }

    @Test
    void whenSpaceReturnsTheNextWriteSucceedsAndHoldsEverything() throws Exception {
        Ledger ledger = open();
        ledger.applied(ban(1));
        disk.room(10);
        assertThrows(IOException.class, ledger::write);
        ledger.applied(ban(2)); // changes go on while the disk is full
        assertThrows(IOException.class, ledger::write, "still full");
        disk.room(Long.MAX_VALUE);
        ledger.write();
        assertEquals(Optional.empty(), ledger.status().writeFailure());
        assertTrue(ledger.status().lastWritten().isPresent());

        Ledger reopened = Ledger.open(dir, 1000, clock);
        assertEquals(Verdict.APPLIED, reopened.verdict(ban(1)));
        assertEquals(Verdict.APPLIED, reopened.verdict(ban(2)));
        assertEquals(List.of(dir.resolve(LedgerFiles.JOURNAL), dir.resolve(LedgerFiles.SNAPSHOT)), files(),
                "after a failure the next write was a compaction; no temporary file is left");
    }

    @Test
    void aCompactionThatRunsOutOfSpaceLeavesTheOldFilesAsTheyWere() throws Exception {
        Ledger ledger = open();
        for (int i = 1; i <= 20; i++) {
            ledger.applied(ban(i));
        }
        ledger.write();
        byte[] journal = Files.readAllBytes(dir.resolve(LedgerFiles.JOURNAL));
        for (int i = 21; i <= 40; i++) {
            ledger.applied(ban(i));
        }
        disk.room(500); // the snapshot needs about 3 KB
        IOException e = assertThrows(IOException.class, ledger::write);
        assertEquals("cannot write " + dir.resolve(LedgerFiles.SNAPSHOT) + ": " + FullDisk.ENOSPC, e.getMessage());
        assertEquals(List.of(dir.resolve(LedgerFiles.JOURNAL)), files(), "the temporary snapshot is gone");
        assertTrue(java.util.Arrays.equals(journal, Files.readAllBytes(dir.resolve(LedgerFiles.JOURNAL))));
        assertEquals(20, Ledger.open(dir, 1000, clock).size());

        disk.room(Long.MAX_VALUE);
        ledger.close();
        assertEquals(40, Ledger.open(dir, 1000, clock).size());
    }

    @Test
    void closingOnAFullDiskSaysWhatIsLost() throws Exception {
        Ledger ledger = open();
        ledger.applied(ban(1));
        disk.room(0);
        IOException e = assertThrows(IOException.class, ledger::close);
        assertTrue(e.getMessage().contains(FullDisk.ENOSPC), e.getMessage());
    }

    @Test
    void theRealFileSystemIsUsedWithoutAnOpener() throws Exception {
        Ledger ledger = Ledger.open(dir, 10, clock, FileChannel::open, 2048);
        ledger.applied(ban(1));
        ledger.close();
        assertEquals(1, Ledger.open(dir, 10, clock).size());
    }
}
