package io.fail2bancluster.agent.ledger;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The ledger's one thread: every {@link #INTERVAL} it writes what changed (nothing when nothing did), and
 * every {@link #SWEEP_EVERY} intervals it sweeps ended entries out. A write that fails is logged once when
 * failing starts and once when writing works again, not every second in between.
 */
final class LedgerWriter {
    private static final Logger LOG = LogManager.getLogger(LedgerWriter.class);
    /** The group commit: at most one write (and fsync) per interval, whatever the rate of changes. */
    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final int SWEEP_EVERY = 60;
    /** How long a stop waits for a write in progress (a disk that hangs) before it gives up on it. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final Ledger ledger;
    private ScheduledExecutorService thread;
    private long ticks;
    private long failingSinceNanos = -1;

    LedgerWriter(Ledger ledger) {
        this.ledger = ledger;
    }

    void start() {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ledger-writer");
            t.setDaemon(true);
            return t;
        });
        long interval = INTERVAL.toNanos();
        thread.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        try {
            if (++ticks % SWEEP_EVERY == 0) {
                ledger.sweep();
            }
            ledger.write();
            if (failingSinceNanos >= 0) {
                LOG.info("the ledger is written again after {} s of failed writes", 
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failingSinceNanos));
                failingSinceNanos = -1;
            }
        } catch (IOException e) {
            if (failingSinceNanos < 0) {
                failingSinceNanos = System.nanoTime();
                LOG.warn("{}; the ledger stays whole in memory and is written again every second until that succeeds",
                        e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("the ledger writer failed", e); // the next tick tries again; never let it die silently
        }
    }

    /** Stops the ticks and waits for a write in progress. */
    void stop() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("a ledger write did not finish within {} s of the stop; stopping without it",
                        STOP_WAIT.toSeconds());
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
