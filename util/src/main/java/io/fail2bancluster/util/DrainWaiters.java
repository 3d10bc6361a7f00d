package io.fail2bancluster.util;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/**
 * The callers of a {@link QueueBound#whenDrained} that wait: each is called once, by the queue's consumer once it
 * sees the queue at its low-water mark ({@link #callAll}), or at once when it is there already. A caller only
 * hands over to its own thread; one that fails (its event loop shut down) takes no more work anyway, so its
 * failure stops neither the consumer nor the other callers.
 */
public final class DrainWaiters {
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    /**
     * Keeps {@code drained} until {@link #callAll}; calls it at once instead when {@code drainedNow} holds once it
     * is kept (a consumer that looked just before it was kept would not call it). Any thread.
     */
    public void add(Runnable drained, BooleanSupplier drainedNow) {
        waiting.add(drained);
        if (drainedNow.getAsBoolean() && waiting.remove(drained)) {
            call(drained);
        }
    }

    /** Whether a caller waits. Any thread. */
    public boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Calls every caller that waits, each once. On the consumer's thread, holding no lock. */
    public void callAll() {
        for (Runnable drained; (drained = waiting.poll()) != null; ) {
            call(drained);
        }
    }

    private static void call(Runnable drained) {
        try {
            drained.run();
        } catch (RuntimeException e) {
            // the caller's thread is gone (its loop shut down): it takes no more work anyway
        }
    }
}
