package io.fail2bancluster.agent.nats;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HandOffWindowTest {
    @Test
    void aFullWindowOpensOnlyOnceHalfOfItIsDone() throws Exception {
        HandOffWindow window = new HandOffWindow(8);
        for (int i = 0; i < 8; i++) {
            assertTrue(window.enter(0, TimeUnit.MILLISECONDS));
        }
        assertFalse(window.enter(1, TimeUnit.MILLISECONDS), "full");
        for (int i = 0; i < 3; i++) {
            window.done();
        }
        assertEquals(5, window.open());
        assertFalse(window.enter(1, TimeUnit.MILLISECONDS), "three done of eight: still closed to a waiting deliverer");
        window.done();
        assertTrue(window.enter(1, TimeUnit.MILLISECONDS), "half done: open again");
        assertEquals(5, window.open());
    }

    @Test
    void aWindowThatIsNotFullTakesAMessageAtOnce() throws Exception {
        HandOffWindow window = new HandOffWindow(8);
        for (int i = 0; i < 7; i++) {
            assertTrue(window.enter(0, TimeUnit.MILLISECONDS));
        }
        window.done();
        assertTrue(window.enter(0, TimeUnit.MILLISECONDS), "one free place is enough when nobody waited");
    }

    @Test
    void theWaitingDelivererIsWokenWhenHalfIsDone() throws Exception {
        HandOffWindow window = new HandOffWindow(4);
        for (int i = 0; i < 4; i++) {
            window.enter(0, TimeUnit.MILLISECONDS);
        }
        AtomicBoolean entered = new AtomicBoolean();
        CompletableFuture<Void> deliverer = CompletableFuture.runAsync(() -> {
            try {
                entered.set(window.enter(60, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        window.done();
        window.done();
        await().atMost(Duration.ofSeconds(10)).untilTrue(entered);
        deliverer.get(10, TimeUnit.SECONDS);
        assertEquals(3, window.open());
    }

    @Test
    void anInterruptedWaitSaysSo() {
        HandOffWindow window = new HandOffWindow(1);
        assertThrows(IllegalArgumentException.class, () -> new HandOffWindow(0));
        assertTrue(assertDoesNotThrowEnter(window));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> window.enter(10, TimeUnit.SECONDS));
        assertFalse(Thread.currentThread().isInterrupted(), "the interrupt was taken");
    }

    private static boolean assertDoesNotThrowEnter(HandOffWindow window) {
        try {
            return window.enter(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aLinksWindowIsAQuarterOfTheExecQueueWithinBounds() {
        assertEquals(1024, NatsLink.window(10_000));
        assertEquals(250, NatsLink.window(1_000));
        assertEquals(12, NatsLink.window(50));
        assertEquals(1, NatsLink.window(2));
    }
}
