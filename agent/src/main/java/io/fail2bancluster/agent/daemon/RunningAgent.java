package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.Agent;
import io.fail2bancluster.agent.AgentStatus;
import io.fail2bancluster.config.ClusterConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The daemon's view of an {@link Agent}: what it asks of one, so tests can run the daemon around a fake. */
public interface RunningAgent {

    AgentStatus status();

    CompletableFuture<Void> shutdown(Duration grace);

    /**
     * Applies a validated config's servers and channels live; see {@link Agent#reload}. Called off the
     * agent's event loop.
     *
     * @return what changed, one line each, once applied
     * @throws IllegalStateException when the new config cannot be applied; the old one keeps running
     */
    CompletableFuture<List<String>> reload(ClusterConfig next);

    /** Starts an agent for a validated config. */
    @FunctionalInterface
    interface Starter {
        RunningAgent start(ClusterConfig config);
    }

    /** The real thing: {@link Agent#start}. */
    static RunningAgent start(ClusterConfig config) {
        Agent agent = Agent.start(config);
        return new RunningAgent() {
            @Override
            public AgentStatus status() {
                return agent.status();
            }

            @Override
            public CompletableFuture<Void> shutdown(Duration grace) {
                return agent.shutdown(grace);
            }

            @Override
            public CompletableFuture<List<String>> reload(ClusterConfig next) {
                return agent.reload(next);
            }
        };
    }
}
