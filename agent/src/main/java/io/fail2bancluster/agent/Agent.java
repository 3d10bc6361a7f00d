package io.fail2bancluster.agent;

import io.fail2bancluster.config.ClusterConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A running agent: one event loop holding a connection per configured server.
 *
 * <p>STUB: the API the daemon codes against; the agent-core work implements it.
 */
public final class Agent implements AutoCloseable {

    /** Starts connecting to every server; returns at once (connections come up in the background). */
    public static Agent start(ClusterConfig config) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** A consistent snapshot, taken on the event loop. Safe to call from any thread. */
    public AgentStatus status() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Stops reading from every server, lets running actions finish for at most {@code grace},
     * then kills what is left. Completes when everything is stopped.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(10)).join();
    }
}
