package io.fail2bancluster.agent.ledger;

import static io.fail2bancluster.agent.ledger.LedgerRulesTest.T0;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer thread: started by start() only, writing changes in groups, stopped by close() after a last write. */
class LedgerWriterTest {
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);

    private static boolean writerRunning() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("ledger-writer"));
    }

    private static Ban ban(int i) {
        return Ban.of("Fail2ban", "host-a", "sshd", "192.0.2." + i, T0, 600);
    }

    @Test
    void changesReachTheDiskWithinAboutASecondOnceStartedAndTheLastOnesAtClose() throws Exception {
        Ledger ledger = Ledger.open(dir, 100, clock);
        assertFalse(writerRunning(), "opening starts no thread");
        ledger.start();
        assertTrue(writerRunning());
        assertThrows(IllegalStateException.class, ledger::start);

        ledger.applied(ban(1));
        // the writer says it wrote once the write returned, a moment after another reader can see the file
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve(LedgerFiles.JOURNAL))
                && Ledger.open(dir, 100, clock).size() == 1 && ledger.status().lastWritten().isPresent());

        ledger.applied(ban(2));
        ledger.close();
        assertEquals(2, Ledger.open(dir, 100, clock).size(), "close wrote what the writer had not yet");
        await().atMost(Duration.ofSeconds(10)).until(() -> !writerRunning());
        ledger.close(); // once is enough; a second close does nothing
    }

    @Test
    void aBurstOfChangesCostsOneSyncedWritePerSecondNotOnePerChange() throws Exception {
        FullDisk disk = new FullDisk(); // with all the room it wants: it only counts the syncs
        Ledger ledger = Ledger.open(dir, 10_000, clock, disk, LedgerFiles.MIN_COMPACTION_BYTES);
        ledger.start();
        long started = System.nanoTime();
        for (int i = 0; i < 5000; i++) {
            ledger.applied(Ban.of("Fail2ban", "host-a", "sshd", "10.0." + (i / 250) + "." + (i % 250), T0, 600));
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        ledger.close();
        // each write syncs a file once, or twice (snapshot, journal) for a compaction; plus the one at close
        assertTrue(disk.forces() <= 2 * (seconds + 2), disk.forces() + " syncs for 5000 changes in " + seconds + " s");
        assertEquals(5000, Ledger.open(dir, 10_000, clock).size());
    }

    @Test
    void aDiskThatStaysFullIsLoggedOnceWhenItStartsAndOnceWhenItEnds() throws Exception {
        FullDisk disk = new FullDisk();
        Ledger ledger = Ledger.open(dir, 100, clock, disk, LedgerFiles.MIN_COMPACTION_BYTES);
        try (LogCapture log = LogCapture.of(LedgerWriter.class)) {
            disk.room(0);
            ledger.start();
            ledger.applied(ban(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> ledger.status().writeFailure().isPresent());
            ledger.applied(ban(2));
            int failed = disk.failures();
            await().atMost(Duration.ofSeconds(10)).until(() -> disk.failures() >= failed + 2); // two more ticks failed
            assertEquals(1, log.at(Level.WARN).size(), "logged once, not per tick: " + log.lines());
            assertTrue(log.at(Level.WARN).get(0).contains("No space left on device; the ledger stays whole in memory "
                    + "and is written again every second until that succeeds"), log.lines().toString());

            disk.room(Long.MAX_VALUE);
            await().atMost(Duration.ofSeconds(10)).until(() -> ledger.status().writeFailure().isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> log.at(Level.INFO).size() == 1);
            assertTrue(log.at(Level.INFO).get(0).startsWith("INFO the ledger is written again after "), log.lines().toString());
            ledger.close();
        }
        assertEquals(2, Ledger.open(dir, 100, clock).size());
    }
}
