package io.fail2bancluster.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Duration MIN = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(60);

    @Test
    void ceilingDoublesFromTwiceTheMinimumUpToTheMaximum() {
        Backoff backoff = new Backoff(MIN, MAX, new Random(1));
        assertEquals(Duration.ofSeconds(2), backoff.ceiling(0));
        assertEquals(Duration.ofSeconds(4), backoff.ceiling(1));
        assertEquals(Duration.ofSeconds(32), backoff.ceiling(4));
        assertEquals(MAX, backoff.ceiling(5));
        assertEquals(MAX, backoff.ceiling(1000));
    }

    @Test
    void everyDelayStaysBetweenMinimumAndCeiling() {
        Backoff backoff = new Backoff(MIN, MAX, new Random(42));
        for (int attempt = 0; attempt < 100; attempt++) {
            for (int draw = 0; draw < 50; draw++) {
                Duration delay = backoff.delay(attempt);
                assertTrue(delay.compareTo(MIN) >= 0, attempt + ": " + delay);
                assertTrue(delay.compareTo(backoff.ceiling(attempt)) <= 0, attempt + ": " + delay);
            }
        }
    }

    @Test
    void fullJitterSpreadsOverTheWholeRange() {
        Backoff backoff = new Backoff(MIN, MAX, new Random(7));
        long lowest = Long.MAX_VALUE;
        long highest = 0;
        for (int draw = 0; draw < 1000; draw++) {
            long millis = backoff.delay(10).toMillis();
            lowest = Math.min(lowest, millis);
            highest = Math.max(highest, millis);
        }
        assertTrue(lowest < 5_000, "some delays near the minimum, lowest " + lowest);
        assertTrue(highest > 55_000, "some delays near the maximum, highest " + highest);
    }

    @Test
    void aSeededRandomRepeatsTheSameDelays() {
        assertEquals(draws(new Backoff(MIN, MAX, new Random(3))), draws(new Backoff(MIN, MAX, new Random(3))));
    }

    private static List<Duration> draws(Backoff backoff) {
        List<Duration> delays = new ArrayList<>();
        for (int attempt = 0; attempt < 10; attempt++) {
            delays.add(backoff.delay(attempt));
        }
        return delays;
    }

    @Test
    void equalBoundsGiveAFixedDelay() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofMillis(500), new Random());
        assertEquals(Duration.ofMillis(500), backoff.delay(0));
        assertEquals(Duration.ofMillis(500), backoff.delay(30));
    }

    @Test
    void refusesBoundsThatMakeNoSense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, MAX));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(MAX, MIN));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(MIN, MAX).delay(-1));
    }
}
