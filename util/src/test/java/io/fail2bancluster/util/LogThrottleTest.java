package io.fail2bancluster.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogThrottleTest {
    @Test
    void firstOccurrenceLogsThenOncePerIntervalWithTheCount() {
        LogThrottle t = new LogThrottle(100);
        assertEquals(1, t.record(0));
        assertEquals(0, t.record(10));
        assertEquals(0, t.record(99));
        assertEquals(3, t.record(100));
        assertEquals(0, t.pending());
        assertEquals(0, t.record(150));
        assertEquals(1, t.pending());
    }

    @Test
    void worksAcrossNanoTimeWrap() {
        LogThrottle t = new LogThrottle(100);
        assertEquals(1, t.record(Long.MAX_VALUE - 10));
        assertEquals(0, t.record(Long.MAX_VALUE));
        assertEquals(2, t.record(Long.MIN_VALUE + 95));
    }
}
