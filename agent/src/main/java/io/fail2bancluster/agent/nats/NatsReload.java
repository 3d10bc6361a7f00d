package io.fail2bancluster.agent.nats;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.NatsServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a reload may change of the {@code nats:} entries: their channels (new routes, filters, actions and
 * keys from the next message on, no reconnect). Adding, removing or changing an entry otherwise (URLs,
 * stream, auth, TLS, replicas, retention) needs a restart: the reload is refused, naming the entry, and
 * nothing changes.
 */
public record NatsReload(List<String> describe) {

    /** @throws IllegalStateException when {@code next} changes more than channels */
    public static NatsReload between(List<NatsServerConfig> before, List<NatsServerConfig> next) {
        if (before.size() != next.size()) {
            throw new IllegalStateException("NATS server entries were added or removed (" + before.size() + " -> "
                    + next.size() + "); restart the agent to apply that (fail2ban-clusterd restart)");
        }
        List<String> changes = new ArrayList<>();
        for (int i = 0; i < next.size(); i++) {
            NatsServerConfig old = before.get(i);
            NatsServerConfig now = next.get(i);
            if (!withoutChannels(old).equals(withoutChannels(now))) {
                throw new IllegalStateException(now.path() + " (nats " + now.address() + "): only its channels can "
                        + "change on reload; restart the agent to apply a change of URLs, stream, auth, TLS, "
                        + "replicas or retention (fail2ban-clusterd restart)");
            }
            if (!old.channels().equals(now.channels())) {
                changes.add("nats " + now.address() + ": channels " + names(old.channels()) + " -> "
                        + names(now.channels()));
            }
        }
        return new NatsReload(List.copyOf(changes));
    }

    private static NatsServerConfig withoutChannels(NatsServerConfig server) {
        return new NatsServerConfig("", server.urls(), server.stream(), server.replicas(), server.retention(),
                server.auth(), server.tls(), List.of());
    }

    private static List<String> names(List<ChannelConfig> channels) {
        return channels.stream().map(ChannelConfig::name).toList();
    }
}
