package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NatsServerConfig;
import java.util.Optional;

/**
 * The agent does not receive from NATS servers yet (the client publishes to them). Running with a
 * {@code nats:} entry would silently miss every ban that arrives only there, so run, start, restart and
 * reload refuse such a config, naming the entry, and check warns about it.
 */
final class NatsNotReceived {
    private NatsNotReceived() {
    }

    /** Why the agent must not run this config, or empty when it has no NATS server. */
    static Optional<String> refusal(ClusterConfig config) {
        if (config.natsServers().isEmpty()) {
            return Optional.empty();
        }
        NatsServerConfig first = config.natsServers().get(0);
        return Optional.of(config.source().map(p -> p + ": ").orElse("") + first.path() + " (nats " + first.address()
                + "): this agent cannot receive from NATS servers yet; only fail2ban-cluster-client publishes to "
                + "them. Remove the entry from the agent's config (the client may keep it in its own --config)");
    }
}
