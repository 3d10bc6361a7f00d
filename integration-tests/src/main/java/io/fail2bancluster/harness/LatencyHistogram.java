package io.fail2bancluster.harness;

/**
 * Latencies in microseconds, counted in log-linear buckets: exact below 128 us, then 64 buckets per power
 * of two, so any percentile is within about 1.6% of the true value. Fixed size whatever the run length
 * (millions of deliveries fit in 30 KiB), which a sorted array of every sample would not be.
 * Thread-safe by a plain lock: one recorder per run, and recording is a few nanoseconds.
 */
public final class LatencyHistogram {
    private static final int EXACT = 128;
    private static final int SUB_BUCKETS = 64;
    private static final int SUB_BITS = 6;
    private static final int BUCKETS = EXACT + (64 - 7) * SUB_BUCKETS;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    synchronized void record(long micros) {
        long value = Math.max(0, micros);
        counts[index(value)]++;
        total++;
        max = Math.max(max, value);
    }

    synchronized long count() {
        return total;
    }

    public synchronized long max() {
        return max;
    }

    /** The smallest recorded bucket's upper bound below which {@code percent} of the samples lie; 0 if empty. */
    public synchronized long percentile(double percent) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(total * percent / 100.0));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    static int index(long value) {
        if (value < EXACT) {
            return (int) value;
        }
        int msb = 63 - Long.numberOfLeadingZeros(value);
        int shift = msb - SUB_BITS;
        int sub = (int) (value >>> shift) - SUB_BUCKETS;
        return EXACT + (msb - 7) * SUB_BUCKETS + sub;
    }

    static long upperBound(int index) {
        if (index < EXACT) {
            return index;
        }
        int msb = (index - EXACT) / SUB_BUCKETS + 7;
        int sub = (index - EXACT) % SUB_BUCKETS + SUB_BUCKETS;
        int shift = msb - SUB_BITS;
        return ((long) (sub + 1) << shift) - 1;
    }
}
