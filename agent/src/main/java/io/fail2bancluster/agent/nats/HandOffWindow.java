package io.fail2bancluster.agent.nats;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How many of a stream's messages may be handed over and not yet done with (their action queued or running,
 * or waiting on the loop): at most {@code size}. The one thread that delivers them (jnats's dispatcher for
 * the consumer) waits when the window is full; the loop says when one is done.
 *
 * <p>A full window opens again only once half of it is done, not at each message done: waking the waiting
 * thread for every action reported would cost two thread switches per message through a long catch-up.
 * The loop side never blocks: {@link #done} is an atomic decrement and, once per half window, an unpark.
 */
final class HandOffWindow {
    private final int size;
    private final int reopenAt;
    private final AtomicInteger open = new AtomicInteger();
    /** The delivering thread while it waits for room; null otherwise. */
    private volatile Thread waiting;
    /** Full, and not yet worked down to half; read and written by the delivering thread only. */
    private boolean closed;

    HandOffWindow(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("the window must hold at least one message, got " + size);
        }
        this.size = size;
        this.reopenAt = size / 2;
    }

    /**
     * Takes a place for one message, waiting up to {@code timeout} when the window is full (or was, and is not
     * yet down to half). Only ever called by the one delivering thread.
     *
     * @return false when the window was still full after the timeout (the caller checks whether to go on)
     */
    boolean enter(long timeout, TimeUnit unit) throws InterruptedException {
        if (!closed && open.get() >= size) {
            closed = true;
        }
        if (closed) {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            waiting = Thread.currentThread();
            try {
                while (open.get() > reopenAt) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    LockSupport.parkNanos(this, left);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            } finally {
                waiting = null;
            }
            closed = false;
        }
        open.incrementAndGet();
        return true;
    }

    /** One message done with (its action reported, or stopped before one). On any thread; never blocks. */
    void done() {
        if (open.decrementAndGet() <= reopenAt) {
            Thread thread = waiting;
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Messages handed over and not yet done with. */
    int open() {
        return open.get();
    }
}
