package io.fail2bancluster.agent.exec;

import io.fail2bancluster.util.QueueBound;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Runs actions off the event loop. The agent hands every invocation here and never waits for it; the
 * production runner is {@link ProcessActionRunner}, the load harness plugs in a recording one.
 *
 * <p>A runner's queue is bounded. A caller that can stop taking work (a transport that can stop reading)
 * asks {@link #full()} before each invocation, and when it is full holds its work back and asks
 * {@link #whenDrained} to hear when to go on: so the bound is one on memory, and nothing is dropped.
 */
public interface ActionRunner extends QueueBound {

    /**
     * Accepts {@code invocation} for running and returns at once; never blocks the caller.
     * {@code whenDone} is called exactly once, with the outcome, on some other thread, or on the
     * caller's thread when the invocation is refused at once ({@link ActionResult.Dropped}).
     */
    void run(Invocation invocation, Consumer<ActionResult> whenDone);

    /**
     * Whether the queue is at its bound: one more invocation now would be {@link ActionResult.Dropped dropped}.
     * Cheap, never blocks, on any thread. A runner without a bound is never full.
     */
    @Override
    default boolean full() {
        return false;
    }

    /**
     * Keeps one place in the queue for an invocation that failed and waits for its retry: it counts towards
     * {@link #full()} and {@link #whenDrained} as a waiting one does, so failing actions are bounded by the
     * queue and a full queue pushes back. On the caller's thread; never blocks. A runner without a bound keeps
     * no count.
     */
    default void hold() {
    }

    /** Gives back a place {@link #hold} kept: just before the retry is run, or when it is given up. */
    default void release() {
    }

    /**
     * Takes no more work, lets running (and queued) actions finish for at most {@code grace}, then kills
     * what is left. Completes when nothing of this runner runs any more.
     */
    CompletableFuture<Void> shutdown(Duration grace);
}
