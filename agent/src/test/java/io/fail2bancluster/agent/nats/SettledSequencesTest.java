package io.fail2bancluster.agent.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SettledSequencesTest {
    @Test
    void theMarkMovesOnlyOverAnUnbrokenRunOfSettledMessages() {
        SettledSequences sequences = new SettledSequences(10);
        sequences.delivered(11);
        sequences.delivered(12);
        sequences.delivered(14); // 13 was not ours: never delivered
        assertEquals(OptionalLong.empty(), sequences.settled(12), "11 still runs");
        assertEquals(OptionalLong.empty(), sequences.settled(14));
        assertEquals(10, sequences.mark());
        assertEquals(OptionalLong.of(14), sequences.settled(11), "11 done: 12 and 14 were waiting on it");
        assertEquals(0, sequences.unsettled());
    }

    @Test
    void aMessageSettledAtOnceMovesTheMarkAtOnce() {
        SettledSequences sequences = new SettledSequences(0);
        sequences.delivered(1);
        assertEquals(OptionalLong.of(1), sequences.settled(1));
        sequences.delivered(2);
        sequences.delivered(3);
        assertEquals(OptionalLong.of(2), sequences.settled(2));
        assertEquals(1, sequences.unsettled());
    }

    @Test
    void settlingTwiceOrBeforeTheMarkChangesNothing() {
        SettledSequences sequences = new SettledSequences(5);
        sequences.delivered(6);
        assertEquals(OptionalLong.of(6), sequences.settled(6));
        assertEquals(OptionalLong.empty(), sequences.settled(6));
        assertEquals(OptionalLong.empty(), sequences.settled(3));
        assertEquals(6, sequences.mark());
    }

    @Test
    void aFailingMessageHoldsTheMarkWhileThoseBehindItSettleAndOnlyItIsKept() {
        SettledSequences sequences = new SettledSequences(0);
        sequences.delivered(1);
        for (long sequence = 2; sequence <= 10_000; sequence++) {
            sequences.delivered(sequence);
            assertEquals(OptionalLong.empty(), sequences.settled(sequence));
        }
        assertEquals(0, sequences.mark(), "a restart reads again from the failing one");
        assertEquals(1, sequences.unsettled(), "what settled behind it costs nothing while it fails");
        assertEquals(OptionalLong.of(10_000), sequences.settled(1), "its retry succeeded");
    }

    @Test
    void aDeliveryOutOfStreamOrderIsABug() {
        SettledSequences sequences = new SettledSequences(5);
        assertThrows(IllegalArgumentException.class, () -> sequences.delivered(5));
        sequences.delivered(7);
        assertThrows(IllegalArgumentException.class, () -> sequences.delivered(7));
    }
}
