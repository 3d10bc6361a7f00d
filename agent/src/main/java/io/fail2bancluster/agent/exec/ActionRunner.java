package io.fail2bancluster.agent.exec;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Runs actions off the event loop. The agent hands every invocation here and never waits for it; the
 * production runner is {@link ProcessActionRunner}, the load harness plugs in a recording one.
 */
public interface ActionRunner {

    /**
     * Accepts {@code invocation} for running and returns at once; never blocks the caller.
     * {@code whenDone} is called exactly once, with the outcome, on some other thread, or on the
     * caller's thread when the invocation is refused at once ({@link ActionResult.Dropped}).
     */
    void run(Invocation invocation, Consumer<ActionResult> whenDone);

    /**
     * Takes no more work, lets running (and queued) actions finish for at most {@code grace}, then kills
     * what is left. Completes when nothing of this runner runs any more.
     */
    CompletableFuture<Void> shutdown(Duration grace);
}
