package io.fail2bancluster.client;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ServerConfig;
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

    /** The channel names the config does carry, for the "no server has channel X" message. */
    static Set<String> channelNames(ClusterConfig config) {
        Set<String> names = new TreeSet<>();
        for (ServerConfig server : config.servers()) {
            for (ChannelConfig channel : server.channels()) {
                names.add(channel.name());
            }
        }
        return names;
    }
}
