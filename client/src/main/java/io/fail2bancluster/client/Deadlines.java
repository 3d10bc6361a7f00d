package io.fail2bancluster.client;

import java.time.Duration;

/** Arithmetic on deadlines kept as {@link System#nanoTime()} values. */
final class Deadlines {
    private Deadlines() {
    }

    /**
     * Whole milliseconds left, rounded up so that a socket timeout derived from it never becomes 0
     * (which {@link java.net.Socket} reads as "wait forever"); 0 or less once the deadline has passed.
     */
    static long remainingMillis(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }

    /** {@code 5 s}, {@code 0.5 s}, {@code 250 ms}: a duration as an operator reads it. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        return (millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0)) + " s";
    }
}
