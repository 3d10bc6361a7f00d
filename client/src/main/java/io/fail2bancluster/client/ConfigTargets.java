package io.fail2bancluster.client;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Picks the publish targets for a channel out of a loaded config. */
final class ConfigTargets {
    private ConfigTargets() {
    }

    /**
     * Every server that carries {@code channel}, in file order, each {@code host:port} once (listing
     * a server twice must not deliver the ban twice), with its TLS settings.
     */
    static List<Target> forChannel(ClusterConfig config, String channel) {
        Set<Target> targets = new LinkedHashSet<>();
        for (ServerConfig server : config.serversWithChannel(channel)) {
            targets.add(new Target(server.host(), server.port(), server.tls()));
        }
        return List.copyOf(targets);
    }

    /**
     * Every NATS cluster that carries {@code channel}, in file order; an entry naming the same URLs and stream
     * as an earlier one is left out (the stream would store the publish once anyway, by its message id).
     */
    static List<NatsServerConfig> natsForChannel(ClusterConfig config, String channel) {
        List<NatsServerConfig> clusters = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NatsServerConfig server : config.natsServersWithChannel(channel)) {
            if (seen.add(server.address() + " " + server.stream())) {
                clusters.add(server);
            }
        }
        return clusters;
    }

    /** The channel names the config does carry, for the "no server has channel X" message. */
    static Set<String> channelNames(ClusterConfig config) {
        Set<String> names = new TreeSet<>();
        for (ServerConfig server : config.servers()) {
            for (ChannelConfig channel : server.channels()) {
                names.add(channel.name());
            }
        }
        for (NatsServerConfig server : config.natsServers()) {
            for (ChannelConfig channel : server.channels()) {
                names.add(channel.name());
            }
        }
        return names;
    }
}
