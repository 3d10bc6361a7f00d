package io.fail2bancluster.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrainWaitersTest {
    private final DrainWaiters waiters = new DrainWaiters();
    private final List<String> called = new ArrayList<>();

    @Test
    void aCallerWaitsUntilCalledAndIsCalledOnce() {
        waiters.add(() -> called.add("a"), () -> false);
        assertEquals(List.of(), called);
        waiters.callAll();
        waiters.callAll();
        assertEquals(List.of("a"), called);
        assertTrue(waiters.isEmpty());
    }

    @Test
    void aCallerIsCalledAtOnceWhenTheQueueHasDrainedAlready() {
        waiters.add(() -> called.add("a"), () -> true);
        assertEquals(List.of("a"), called);
        assertTrue(waiters.isEmpty(), "and not kept for a second call");
    }

    @Test
    void aCallerThatFailsStopsNeitherTheConsumerNorTheOthers() {
        waiters.add(() -> {
            throw new IllegalStateException("its loop shut down");
        }, () -> false);
        waiters.add(() -> called.add("b"), () -> false);
        waiters.callAll();
        assertEquals(List.of("b"), called);
    }
}
