package io.fail2bancluster.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentilesOfAUniformRangeAreWithinTheBucketPrecision() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long us = 1; us <= 100_000; us++) {
            histogram.record(us);
        }
        assertEquals(100_000, histogram.count());
        assertEquals(100_000, histogram.max());
        assertWithin(50_000, histogram.percentile(50));
        assertWithin(99_000, histogram.percentile(99));
        assertEquals(100_000, histogram.percentile(100));
    }

    @Test
    void smallValuesAreExact() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(3);
        histogram.record(5);
        histogram.record(-1);
        assertEquals(0, histogram.percentile(1));
        assertEquals(3, histogram.percentile(50));
        assertEquals(5, histogram.percentile(100));
    }

    @Test
    void everyBucketBoundHoldsItsOwnValues() {
        for (long value : new long[] {127, 128, 129, 1_000, 65_535, 1L << 40, Long.MAX_VALUE / 3}) {
            int index = LatencyHistogram.index(value);
            assertTrue(LatencyHistogram.upperBound(index) >= value, "bound of " + value);
            assertTrue(index == 0 || LatencyHistogram.upperBound(index - 1) < value, "previous bound of " + value);
        }
    }

    private static void assertWithin(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected * 0.02, expected + " ~ " + actual);
    }
}
