package io.fail2bancluster.broker;

import io.netty.channel.Channel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import io.fail2bancluster.util.LogThrottle;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The broker's memory for lines on their way to subscribers, as one budget shared by every event loop,
 * and the back-pressure that keeps it: while the budget is spent, or while some subscriber is behind, the
 * connections that announce stop being read (their TCP window closes and the publisher's writes block, as
 * they would against fanout's blocking writes); when it is back under its low mark and nobody is behind,
 * they are read again.
 *
 * <p>A subscriber that stays behind is not waited for forever: {@link SlowClientGuard} closes it after the
 * write deadline, which frees what it held and lets the others go on.
 *
 * <p>Pausing and resuming are a two-sided check, so that neither can miss the other without a lock: an
 * announcer that pauses joins the queue first and then looks at the budget again; whoever brings the budget
 * under its mark drains the queue after updating the counter. Resuming twice is harmless.
 */
final class DeliveryBudget {
    private static final Logger LOG = LogManager.getLogger(DeliveryBudget.class);
    private static final long REPORT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final long highBytes;
    private final long lowBytes;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicInteger subscribersBehind = new AtomicInteger();
    private final Queue<Channel> paused = new ConcurrentLinkedQueue<>();
    private final LongAdder pauses = new LongAdder();
    private final LogThrottle pauseReports = new LogThrottle(REPORT_INTERVAL_NANOS);

    /** @param bytes what lines waiting for subscribers may cost at most before announcers are paused */
    DeliveryBudget(long bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("delivery budget must be at least 1024 bytes, got " + bytes);
        }
        this.highBytes = bytes;
        this.lowBytes = bytes / 2;
    }

    long bytes() {
        return highBytes;
    }

    void reserve(long bytes) {
        reserved.addAndGet(bytes);
    }

    void release(long bytes) {
        if (reserved.addAndGet(-bytes) <= lowBytes) {
            resumeIfClear();
        }
    }

    /** What the lines now waiting for subscribers cost. */
    long reservedBytes() {
        return reserved.get();
    }

    /** A subscriber's own queue passed its mark: announcers wait for it (until its write deadline). */
    void subscriberBehind() {
        subscribersBehind.incrementAndGet();
    }

    /** A subscriber that was behind caught up or went away. */
    void subscriberCaughtUp() {
        if (subscribersBehind.decrementAndGet() == 0) {
            resumeIfClear();
        }
    }

    int subscribersBehind() {
        return subscribersBehind.get();
    }

    /** True while announcers must not be read: the budget is spent or a subscriber is behind. */
    boolean exhausted() {
        return reserved.get() >= highBytes || subscribersBehind.get() > 0;
    }

    /**
     * Called on {@code announcer}'s loop after it handled a read batch: stops reading it while the budget
     * is exhausted. Returns whether it paused.
     */
    boolean pauseIfExhausted(Channel announcer) {
        if (!exhausted() || !announcer.config().isAutoRead()) {
            return false;
        }
        announcer.config().setAutoRead(false);
        pauses.increment();
        paused.add(announcer);
        resumeIfClear();
        report();
        return true;
    }

    /** Pauses are routine under a flood: one line a minute says they happen and why. */
    private void report() {
        long count;
        synchronized (pauseReports) {
            count = pauseReports.record(System.nanoTime());
        }
        if (count > 0) {
            LOG.info("holding announcers back (TCP back-pressure) {} time(s) since the last report: {} of {} bytes"
                    + " wait for subscribers, {} subscriber(s) behind", count, reserved.get(), highBytes,
                    subscribersBehind.get());
        }
    }

    /** How often an announcer was paused so far. */
    long pauses() {
        return pauses.sum();
    }

    private boolean clear() {
        return reserved.get() <= lowBytes && subscribersBehind.get() == 0;
    }

    private void resumeIfClear() {
        while (clear()) {
            Channel announcer = paused.poll();
            if (announcer == null) {
                return;
            }
            // setAutoRead(true) is safe from any thread: the read it starts runs on the announcer's loop
            announcer.config().setAutoRead(true);
        }
    }
}
