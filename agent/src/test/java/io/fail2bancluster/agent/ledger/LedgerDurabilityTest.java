package io.fail2bancluster.agent.ledger;

import static io.fail2bancluster.agent.ledger.LedgerRulesTest.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.LogCapture;
import io.fail2bancluster.agent.ledger.LedgerEntry.State;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger through restarts, kill -9 (a second open of a folder whose first ledger was never closed), torn writes. */
class LedgerDurabilityTest {
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);

    private Ledger open() throws IOException {
        return Ledger.open(dir, 1000, clock);
    }

    /** A ledger that compacts once its journal outgrows 2 KiB (about 28 records), not 1 MiB. */
    private Ledger openCompactingEarly() throws IOException {
        return Ledger.open(dir, 1000, clock, FileChannel::open, 2048);
    }

    /** Bans of 192.0.2.{from} to {to}, applied. */
    private static void applyBans(Ledger ledger, int from, int to) throws LedgerFullException {
        for (int i = from; i <= to; i++) {
            ledger.applied(ban(i, 600));
        }
    }

    private static Ban ban(int i, long bantime) {
        return Ban.of("Fail2ban", "host-a", "sshd", "192.0.2." + i, T0, bantime);
    }

    private static List<LedgerEntry> all(Ledger ledger) {
        return ledger.since("Fail2ban", java.time.Instant.EPOCH);
    }

    @Test
    void whatWasWrittenIsThereAfterARestartStatesIncluded() throws Exception {
        Ledger first = open();
        first.admit(ban(1, 600));
        first.applied(ban(2, 600));
        first.applied(ban(3, -1));
        first.revoke(new Unban(ban(3, -1).key(), "host-a", T0.plusSeconds(5), Optional.empty()), false);
        first.close();

        Ledger second = open();
        assertEquals(all(first), all(second));
        assertEquals(State.PENDING, second.get(ban(1, 600).key()).orElseThrow().state(), "its retry is still due");
        assertEquals(Verdict.APPLIED, second.verdict(ban(2, 600)));
        assertEquals(State.UNBAN_PENDING, second.get(ban(3, -1).key()).orElseThrow().state());
        assertEquals(Verdict.REVOKED, second.verdict(ban(3, -1)), "a permanent ban's revocation stays");
    }

    @Test
    void afterKillNineWhatWasWrittenStandsAndOnlyTheUnwrittenLastSecondIsLost() throws Exception {
        Ledger killed = open();
        killed.applied(ban(1, 600));
        killed.write(); // the writer's last tick before the kill
        killed.applied(ban(2, 600)); // changed after it: never written

        Ledger restarted = open(); // no close: the process died
        assertEquals(Verdict.APPLIED, restarted.verdict(ban(1, 600)));
        assertEquals(Verdict.RUN, restarted.verdict(ban(2, 600)), "it runs again: at most twice after kill -9");
    }

    @Test
    void aTornLastRecordIsLeftOutAndTheWholeOnesBeforeItKept() throws Exception {
        Ledger first = open();
        first.applied(ban(1, 600));
        first.write();
        first.applied(ban(2, 600));
        first.write();
        Path journal = dir.resolve(LedgerFiles.JOURNAL);
        long size = Files.size(journal);
        try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            channel.truncate(size - 7); // the crash came in the middle of the second record
        }
        Ledger second;
        try (LogCapture log = LogCapture.of(Ledger.class)) {
            second = open();
            long secondRecord = LedgerCodec.HEADER_BYTES + (size - LedgerCodec.HEADER_BYTES) / 2; // two of one size
            assertEquals(List.of("WARN " + journal + ": a torn record at byte " + secondRecord + " of " + (size - 7)
                    + " (a crash during a write); the 1 whole records before it are kept, the rest ignored"),
                    log.lines());
        }
        assertEquals(Verdict.APPLIED, second.verdict(ban(1, 600)));
        assertEquals(Verdict.RUN, second.verdict(ban(2, 600)));

        // the next write is a compaction: nothing is ever appended after the torn bytes
        second.applied(ban(3, 600));
        second.write();
        Ledger third = open();
        assertEquals(2, third.size());
        assertEquals(Verdict.APPLIED, third.verdict(ban(3, 600)));
    }

    @Test
    void aRecordWhoseChecksumFailsEndsTheJournal() throws Exception {
        Ledger first = open();
        first.applied(ban(1, 600));
        first.applied(ban(2, 600));
        first.write();
        Path journal = dir.resolve(LedgerFiles.JOURNAL);
        byte[] bytes = Files.readAllBytes(journal);
        bytes[bytes.length - 3] ^= 0x40; // a flipped bit in the second record
        Files.write(journal, bytes);
        Ledger second = open();
        assertEquals(1, second.size());
        assertEquals(Verdict.APPLIED, second.verdict(ban(1, 600)));
    }

    @Test
    void aCompactionWritesASnapshotAndAFreshJournalAndEndedBansDoNotGoIntoIt() throws Exception {
        Ledger ledger = openCompactingEarly();
        ledger.applied(ban(1, 60));
        applyBans(ledger, 2, 20);
        ledger.write();
        Path snapshot = dir.resolve(LedgerFiles.SNAPSHOT);
        assertFalse(Files.exists(snapshot), "20 records fit the journal's bound: appended");
        clock.advance(Duration.ofSeconds(61));
        applyBans(ledger, 21, 40);
        ledger.write(); // the journal would outgrow its bound: a compaction instead
        assertTrue(Files.exists(snapshot));
        assertEquals(LedgerCodec.HEADER_BYTES, Files.size(dir.resolve(LedgerFiles.JOURNAL)), "a fresh journal");
        assertEquals(1, LedgerCodec.generation(Files.readAllBytes(snapshot), LedgerCodec.SNAPSHOT_MAGIC));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot)));
        ledger.applied(ban(41, 600));
        ledger.close(); // appended to the fresh journal

        Ledger reopened = openCompactingEarly();
        assertEquals(40, reopened.size(), ".1 ended before the compaction; .2 to .41 stand");
        assertEquals(all(ledger), all(reopened));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(LedgerFiles.JOURNAL, LedgerFiles.SNAPSHOT),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
    }

    @Test
    void aJournalOlderThanTheSnapshotACrashBetweenTheTwoRenamesLeftIsIgnored() throws Exception {
        Ledger ledger = openCompactingEarly();
        applyBans(ledger, 1, 20);
        ledger.write(); // appended to the journal of generation 0
        Path journal = dir.resolve(LedgerFiles.JOURNAL);
        Path old = dir.resolve("old-journal");
        Files.copy(journal, old);
        ledger.revoke(new Unban(ban(1, 600).key(), "host-a", T0.plusSeconds(1), Optional.empty()), true);
        applyBans(ledger, 21, 40);
        ledger.write(); // a compaction: the snapshot of generation 1, then a fresh journal
        Files.move(old, journal, StandardCopyOption.REPLACE_EXISTING); // as if the crash came before the journal

        Ledger reopened = openCompactingEarly();
        assertEquals(Verdict.REVOKED, reopened.verdict(ban(1, 600)), "the old journal's ban did not come back");
        assertEquals(40, reopened.size());
        reopened.applied(ban(50, 600));
        reopened.write(); // a compaction again, so the stale journal is replaced, never appended to
        assertEquals(41, openCompactingEarly().size());
    }

    @Test
    void aDamagedSnapshotIsAnErrorNamingItNotASilentlyEmptyLedger() throws Exception {
        Ledger ledger = openCompactingEarly();
        applyBans(ledger, 1, 20);
        ledger.write();
        applyBans(ledger, 21, 40);
        ledger.close(); // a compaction: a snapshot of 40
        Path snapshot = dir.resolve(LedgerFiles.SNAPSHOT);
        byte[] bytes = Files.readAllBytes(snapshot);
        Files.write(snapshot, java.util.Arrays.copyOf(bytes, bytes.length - 20));
        IOException e = assertThrows(IOException.class, this::open);
        assertTrue(e.getMessage().startsWith(snapshot + ": not whole: 39 entries and no end; move it aside"),
                e.getMessage());
    }

    @Test
    void endedEntriesAreNotLoaded() throws Exception {
        Ledger ledger = open();
        ledger.applied(ban(1, 60));
        ledger.applied(ban(2, 600));
        ledger.close();
        clock.advance(Duration.ofSeconds(60));
        assertEquals(1, open().size());
    }

    @Test
    void aLaterRecordOfAKeyIsItsStateEvenWhenThatRecordHasEnded() throws Exception {
        Ledger ledger = open();
        ledger.applied(ban(1, -1));
        ledger.write();
        ledger.revoke(new Unban(ban(1, -1).key(), "host-a", T0.plusSeconds(1), Optional.empty()), true);
        ledger.applied(Ban.of("Fail2ban", "host-a", "sshd", "192.0.2.1", T0.plusSeconds(2), 10));
        ledger.close();
        clock.advance(Duration.ofSeconds(20));
        assertEquals(0, open().size(), "the permanent ban of the first record was revoked, then replaced");
    }

    @Test
    void fileFormatStartsWithItsMagic() throws Exception {
        Ledger ledger = open();
        ledger.applied(ban(1, 60));
        ledger.close();
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve(LedgerFiles.JOURNAL)), 8);
        assertArrayEquals("F2BCLDGJ".getBytes(java.nio.charset.StandardCharsets.US_ASCII), head);
    }
}
