package io.fail2bancluster.util;

import java.util.concurrent.TimeUnit;

/**
 * Decides when a repeated warning may be logged again: at most once per interval, carrying how many
 * occurrences happened since the last one was logged. A flood of bad input then costs one log line
 * per interval, not one per input. Not thread-safe: keep one per event loop or per connection.
 */
public final class LogThrottle {
    /**
     * The one interval every repeated warning of ours waits between two lines: short enough that an
     * operator tailing the log sees a flood start, long enough that the flood costs nothing.
     */
    public static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long intervalNanos;
    private long nextAllowedNanos;
    private boolean loggedOnce;
    private long suppressed;

    /** A throttle with {@link #DEFAULT_INTERVAL_NANOS}. */
    public LogThrottle() {
        this(DEFAULT_INTERVAL_NANOS);
    }

    public LogThrottle(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("interval must be positive");
        }
        this.intervalNanos = intervalNanos;
    }

    /**
     * Records one occurrence at {@code nowNanos}. Returns the number of occurrences to report (this
     * one plus those suppressed since the last report) when a line should be logged now, or 0.
     */
    public long record(long nowNanos) {
        suppressed++;
        if (loggedOnce && nowNanos - nextAllowedNanos < 0) {
            return 0;
        }
        loggedOnce = true;
        nextAllowedNanos = nowNanos + intervalNanos;
        long count = suppressed;
        suppressed = 0;
        return count;
    }

    /** Occurrences recorded since the last report. */
    public long pending() {
        return suppressed;
    }
}
