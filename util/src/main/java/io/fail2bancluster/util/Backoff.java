package io.fail2bancluster.util;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How long to wait before reconnect attempt {@code n} (0 for the first retry after a failure):
 * exponential with full jitter, never below {@code min} nor above {@code max}.
 *
 * <p>The ceiling doubles per attempt, {@code min(max, min * 2^(n+1))}, and the delay is drawn uniformly
 * between {@code min} and that ceiling. Drawing from the whole range (full jitter, not "ceiling plus a
 * little noise") is what spreads a fleet out: when a broker restarts, three hundred agents must not come
 * back in the same millisecond, and the first retry is already spread over {@code [min, 2*min]}.
 *
 * <p>Immutable apart from its {@link Random}; give it a seeded one to make a test repeatable.
 */
public final class Backoff {
    private final long minNanos;
    private final long maxNanos;
    private final Random random;

    public Backoff(Duration min, Duration max, Random random) {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("min must be positive, got " + min);
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("max " + max + " is below min " + min);
        }
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
        this.random = Objects.requireNonNull(random, "random");
    }

    public Backoff(Duration min, Duration max) {
        this(min, max, new Random());
    }

    /** The largest delay attempt {@code attempt} may get. */
    public Duration ceiling(int attempt) {
        return Duration.ofNanos(ceilingNanos(attempt));
    }

    private long ceilingNanos(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative, got " + attempt);
        }
        // min << (attempt + 1) without overflow: once the shift would pass max we are at max anyway.
        int shift = Math.min(attempt + 1, 62);
        long ceiling = minNanos > (maxNanos >> shift) ? maxNanos : minNanos << shift;
        return Math.min(ceiling, maxNanos);
    }

    /** A delay drawn uniformly from {@code [min, ceiling(attempt)]}. */
    public Duration delay(int attempt) {
        long ceiling = ceilingNanos(attempt);
        long spread = ceiling - minNanos;
        long jitter = spread == 0 ? 0 : (long) (random.nextDouble() * (spread + 1));
        return Duration.ofNanos(minNanos + Math.min(jitter, spread));
    }

    public Duration min() {
        return Duration.ofNanos(minNanos);
    }

    public Duration max() {
        return Duration.ofNanos(maxNanos);
    }

    @Override
    public String toString() {
        return "Backoff[" + min() + ".." + max() + ", exponential, full jitter]";
    }
}
