package io.fail2bancluster.agent.ledger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Run by {@link LedgerTmpfsTest} in a mount namespace of its own, on a small tmpfs: the ledger on a disk that
 * really fills up. Prints what it checks; exits 0 when all of it held, 1 at the first thing that did not.
 */
public final class TmpfsScenario {
    private TmpfsScenario() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Instant start = Instant.now();
        Ledger ledger = Ledger.open(dir.resolve("state"), 100_000, Clock.systemUTC());
        apply(ledger, 0, 50, start);
        ledger.write();

        Path filler = dir.resolve("filler");
        long filled = fill(filler);
        System.out.println("the disk is full after " + filled + " bytes of filler");
        apply(ledger, 50, 550, start);
        try {
            ledger.write();
            fail("a write on a full disk succeeded");
        } catch (IOException e) {
            check(e.getMessage().contains("No space left on device"), "the failure says why: " + e.getMessage());
        }
        check(ledger.status().writeFailure().isPresent(), "the status reports it");
        check(ledger.size() == 550, "the ledger in memory holds all 550");

        Ledger afterKill = Ledger.open(dir.resolve("state"), 100_000, Clock.systemUTC());
        check(afterKill.size() >= 50 && afterKill.size() <= 550, "a reopen (as after kill -9) reads a whole earlier "
                + "state: " + afterKill.size() + " entries");
        int kept = 0;
        for (int i = 0; i < 50; i++) {
            kept += afterKill.hasApplied(ban(i, start)) ? 1 : 0;
        }
        check(kept == 50, "the 50 written before the disk filled are there: " + kept);

        Files.delete(filler);
        ledger.write();
        check(ledger.status().writeFailure().isEmpty(), "once there is room the next write succeeds");
        ledger.close();
        check(Ledger.open(dir.resolve("state"), 100_000, Clock.systemUTC()).size() == 550, "and holds all 550");
        System.out.println("ok");
    }

    private static Ban ban(int i, Instant start) {
        return Ban.of("Fail2ban", "host-a", "sshd", "10.0." + (i / 250) + "." + (i % 250), start, 3600);
    }

    private static void apply(Ledger ledger, int from, int to, Instant start) throws LedgerFullException {
        for (int i = from; i < to; i++) {
            ledger.applied(ban(i, start));
        }
    }

    private static long fill(Path filler) {
        long written = 0;
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (written < 1L << 30) {
                out.write(block);
                written += block.length;
            }
        } catch (IOException full) {
            return written;
        }
        fail("the tmpfs never filled up");
        return written;
    }

    private static void check(boolean held, String what) {
        if (!held) {
            fail(what);
        }
        System.out.println("held: " + what);
    }

    private static void fail(String what) {
        System.out.println("FAILED: " + what);
        System.exit(1);
    }
}
