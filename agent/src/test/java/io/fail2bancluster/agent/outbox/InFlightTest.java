package io.fail2bancluster.agent.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightTest {

    @Test
    void aPingAnswerConfirmsOnlyWhatWasWrittenBeforeThatPing() {
        InFlight inFlight = new InFlight(10);
        inFlight.announced(1);
        inFlight.announced(2);
        inFlight.pinged();
        inFlight.announced(3);
        inFlight.pinged();
        assertEquals(List.of(1L, 2L), inFlight.answered());
        assertEquals(List.of(3L), inFlight.answered());
        assertEquals(List.of(), inFlight.answered());
    }

    @Test
    void aLivenessPingWrittenFirstConfirmsNothing() {
        InFlight inFlight = new InFlight(10);
        inFlight.pinged(); // the liveness handler's
        inFlight.announced(7);
        assertTrue(inFlight.needsPing());
        inFlight.pinged();
        assertFalse(inFlight.needsPing());
        assertEquals(List.of(), inFlight.answered());
        assertEquals(List.of(7L), inFlight.answered());
    }

    @Test
    void theWindowBoundsWhatWaitsAndOpensOnConfirmation() {
        InFlight inFlight = new InFlight(2);
        inFlight.announced(1);
        inFlight.announced(2);
        assertFalse(inFlight.hasRoom());
        inFlight.pinged();
        assertFalse(inFlight.hasRoom());
        inFlight.answered();
        assertTrue(inFlight.hasRoom());
    }
}
