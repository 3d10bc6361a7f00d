package io.fail2bancluster.client;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * The deadline of one publish to one {@link Destination}, and what the destination is waiting for meanwhile.
 * The destination names each step it blocks in ({@link #waitingFor}), so a publish cut off at the deadline
 * says where it stood ("timed out" alone helps no operator), and hands over what to close to end that step
 * ({@link #closeOnExpiry}): no Java API bounds a name lookup, and a blocking Unix socket has no read timeout,
 * so {@link Publisher} gives up at the deadline regardless and closes what the step is blocked on.
 */
public final class Deadline {
    private final long startNanos;
    private final long deadlineNanos;
    private final Duration timeout;
    /** What the publish reports when the deadline passes now; set by the destination before each wait. */
    private volatile String timeoutReason;
    private Closeable resource;
    private boolean expired;

    Deadline(long startNanos, Duration timeout) {
        this.startNanos = startNanos;
        this.timeout = timeout;
        this.deadlineNanos = startNanos + timeout.toNanos();
        this.timeoutReason = "no answer within " + format(timeout);
    }

    /** The whole time the publish was given. */
    public Duration timeout() {
        return timeout;
    }

    /** Since the publish began. */
    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** What is left; zero or negative once the deadline has passed. */
    public Duration remaining() {
        return Duration.ofNanos(deadlineNanos - System.nanoTime());
    }

    /**
     * Whole milliseconds left, rounded up so that a socket timeout derived from it never becomes 0 (which
     * {@link java.net.Socket} reads as "wait forever"); 0 once the deadline has passed.
     */
    public long remainingMillis() {
        long nanos = deadlineNanos - System.nanoTime();
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }

    /** {@code remainingMillis} as a socket timeout: at least 1, at most {@link Integer#MAX_VALUE}. */
    int socketTimeoutMillis() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMillis()));
    }

    /** The words a publish cut off now reports, e.g. {@code no answer within 5 s while connecting}. */
    public void waitingFor(String reason) {
        timeoutReason = reason;
    }

    String timeoutReason() {
        return timeoutReason;
    }

    /**
     * Closes {@code resource} when the caller gives up at the deadline, ending the step blocked on it.
     *
     * @return false when the deadline has expired already; the caller closes the resource itself then
     */
    public synchronized boolean closeOnExpiry(Closeable resource) {
        if (expired) {
            return false;
        }
        this.resource = resource;
        return true;
    }

    /** Whether {@link #expire()} cut this publish off. */
    public synchronized boolean expired() {
        return expired;
    }

    /** The caller gives up: closes the registered resource, so the blocked step ends now. Safe from any thread. */
    synchronized void expire() {
        expired = true;
        if (resource != null) {
            try {
                resource.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
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
