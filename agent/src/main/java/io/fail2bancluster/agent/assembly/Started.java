package io.fail2bancluster.agent.assembly;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What an agent's start has started so far, in order, each with how it stops: the one close path. A start
 * that fails half-way stops what it had started; a started agent stops it all at shutdown. Each part stops
 * once the one started after it has stopped, on the thread it must stop on (the event loop for what lives
 * there, another thread for what blocks); a part that fails to stop is logged, and the rest still stop.
 */
final class Started {
    private static final Logger LOG = LogManager.getLogger(Started.class);

    private record Part(String name, Executor where, Function<Duration, CompletionStage<?>> stop) {
    }

    private final Deque<Part> parts = new ArrayDeque<>();

    /**
     * Records a started part.
     *
     * @param where runs {@code stop}: the loop for a part that lives on it, else a thread that may block
     * @param stop  stops it, given the grace running actions have; completes once it is stopped
     */
    void add(String name, Executor where, Function<Duration, CompletionStage<?>> stop) {
        parts.push(new Part(name, where, stop));
    }

    /** Stops every part, the last started first; completes once all are stopped. Call it once. */
    CompletableFuture<Void> stopAll(Duration grace) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        while (!parts.isEmpty()) {
            Part part = parts.pop();
            chain = chain.thenComposeAsync(x -> part.stop().apply(grace), part.where())
                    .handle((x, error) -> {
                        if (error != null) {
                            LOG.warn("{} did not stop cleanly: {}", part.name(), error.toString());
                        }
                        return null;
                    });
        }
        return chain;
    }
}
