package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.BoundedRunner;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages held while the exec queue is full, the transport paused once, resumed at half with the held ones first. */
class BackPressureTest {
    private final ServerState state = new ServerState("fanout:1986");
    private final BoundedRunner runner = new BoundedRunner(4);
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final RecordingReads recorded = new RecordingReads();
    private final List<String> reads = recorded.calls;
    private final BackPressure pressure = new BackPressure(state, runner, loop.eventLoop(), recorded);

    /** Each message takes a place in the runner, as a matching message does through the path. */
    private void offer(int id) {
        pressure.offer(() -> runner.run(new io.fail2bancluster.agent.exec.Invocation(
                List.of("ban", Integer.toString(id)), "fanout:1986", "Fail2ban", "id=" + id), result -> { }));
    }

    @Test
    void withRoomEveryMessageGoesOnAtOnce() {
        for (int i = 0; i < 3; i++) {
            offer(i);
        }
        assertEquals(List.of("0", "1", "2"), runner.lastArguments());
        assertEquals(List.of(), reads);
        assertFalse(pressure.paused());
        assertEquals(AgentStatus.ReadPauses.NEVER, state.readPauses());
    }

    @Test
    void aFullQueueHoldsTheRestInOrderAndPausesOnce() {
        for (int i = 0; i < 10; i++) {
            offer(i);
        }
        assertEquals(List.of("0", "1", "2", "3"), runner.lastArguments(), "the queue took its bound");
        assertEquals(6, pressure.held(), "the rest of the read is held, not dropped");
        assertTrue(pressure.paused());
        assertEquals(1, runner.waiting(), "one drain waiter, however many were held");
        assertEquals(new AgentStatus.ReadPauses(1, true), state.readPauses());
        assertEquals(0, runner.dropped);
        assertTrue(reads.stream().allMatch("pause"::equals), reads.toString());
    }

    @Test
    void theHeldGoFirstOnceTheQueueIsDownToHalfAndThenReadingResumes() {
        for (int i = 0; i < 5; i++) {
            offer(i);
        }
        runner.finish(1);
        loop.runPendingTasks();
        assertEquals(1, pressure.held(), "above half: nothing moves yet");
        assertTrue(pressure.paused());
        runner.finish(1);
        loop.runPendingTasks();

        assertEquals(List.of("0", "1", "2", "3", "4"), runner.lastArguments());
        assertEquals(0, pressure.held());
        assertFalse(pressure.paused());
        assertEquals("resume", reads.get(reads.size() - 1));
        assertEquals(new AgentStatus.ReadPauses(1, false), state.readPauses());
        offer(5);
        assertEquals("5", runner.lastArguments().get(5), "a later message goes on at once again");
        assertEquals(0, runner.dropped);
    }

    @Test
    void heldMessagesThatFillTheQueueAgainKeepReadingPausedAndWaitAgain() {
        for (int i = 0; i < 12; i++) {
            offer(i);
        }
        runner.finish(2);
        loop.runPendingTasks();

        assertEquals(List.of("0", "1", "2", "3", "4", "5"), runner.lastArguments());
        assertEquals(6, pressure.held());
        assertTrue(pressure.paused(), "still paused: no resume in between");
        assertFalse(reads.contains("resume"));
        assertEquals(1, runner.waiting());
        offer(12);
        assertEquals(7, pressure.held(), "a message after the held ones waits behind them");

        runner.finish(4);
        loop.runPendingTasks();
        runner.finish(4);
        loop.runPendingTasks();
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"), runner.lastArguments());
        assertFalse(pressure.paused());
        assertEquals(new AgentStatus.ReadPauses(1, false), state.readPauses(), "one pause, however long");
        assertEquals(0, runner.dropped);
    }

    @Test
    void aHeldMessageWhoseHandlerFailsIsCountedAndTheRestGoOn() {
        for (int i = 0; i < 4; i++) {
            offer(i);
        }
        pressure.offer(() -> {
            throw new IllegalStateException("a bug");
        });
        offer(4);
        runner.finish(4);
        loop.runPendingTasks();
        assertEquals(1, state.count(Counter.ERRORS));
        assertEquals("4", runner.lastArguments().get(4));
        assertFalse(pressure.paused());
    }
}
