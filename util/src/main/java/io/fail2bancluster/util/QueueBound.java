package io.fail2bancluster.util;

/**
 * A queue whose bound pushes back: a producer that can stop taking work (a transport that can stop reading)
 * asks {@link #full()} before it hands work over, and when it is full holds its work back and asks
 * {@link #whenDrained} to hear when to go on. The agent's action runner and its nftables writer are two; a
 * transport pauses while either is full ({@link #either}).
 */
public interface QueueBound {

    /** Whether the queue is at its bound. Cheap, never blocks, on any thread. A queue without a bound is never full. */
    default boolean full() {
        return false;
    }

    /**
     * Calls {@code drained} once, as soon as the queue has worked down to its low-water mark (half of its
     * bound), on a thread of the queue's consumer, or at once on the caller's when it is there already or the
     * consumer is stopping. Never blocks; {@code drained} must not either (it hands over to the caller's thread).
     */
    default void whenDrained(Runnable drained) {
        drained.run();
    }

    /** Full while {@code a} or {@code b} is; drained once neither is full any more. */
    static QueueBound either(QueueBound a, QueueBound b) {
        return new QueueBound() {
            @Override
            public boolean full() {
                return a.full() || b.full();
            }

            @Override
            public void whenDrained(Runnable drained) {
                if (a.full()) {
                    a.whenDrained(() -> whenDrained(drained));
                } else if (b.full()) {
                    b.whenDrained(() -> whenDrained(drained));
                } else {
                    drained.run();
                }
            }
        };
    }
}
