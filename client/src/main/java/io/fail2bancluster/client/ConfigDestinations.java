package io.fail2bancluster.client;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.SigningKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Picks the destinations for a channel, and the key to sign with, out of a loaded config. */
final class ConfigDestinations {
    private ConfigDestinations() {
    }

    /**
     * Every fanout server that carries {@code channel}, then every NATS cluster that does, each in file order.
     * A fanout {@code host:port} listed twice is one destination (listing a server twice must not deliver the
     * ban twice); a NATS entry naming the same URLs and stream as an earlier one is left out (the stream would
     * store the publish once anyway, by its message id).
     */
    static List<Destination> forChannel(ClusterConfig config, String channel) {
        Set<FanoutDestination> fanout = new LinkedHashSet<>();
        for (ServerConfig server : config.serversWithChannel(channel)) {
            fanout.add(new FanoutDestination(server.host(), server.port(), server.tls()));
        }
        List<Destination> destinations = new ArrayList<>(fanout);
        Set<String> seen = new HashSet<>();
        for (NatsServerConfig server : config.natsServersWithChannel(channel)) {
            if (seen.add(server.address() + " " + server.stream())) {
                destinations.add(new NatsDestination(server));
            }
        }
        return List.copyOf(destinations);
    }

    /** The channel's first {@code secret_files} key on any entry carrying it, else null (unsigned). */
    static SigningKey signingKey(ClusterConfig config, String channel) {
        List<ChannelConfig> carrying = new ArrayList<>();
        for (ServerConfig server : config.serversWithChannel(channel)) {
            carrying.add(server.channel(channel).orElseThrow());
        }
        for (NatsServerConfig server : config.natsServersWithChannel(channel)) {
            carrying.add(server.channel(channel).orElseThrow());
        }
        for (ChannelConfig carrier : carrying) {
            if (!carrier.secrets().isEmpty()) {
                return carrier.secrets().get(0);
            }
        }
        return null;
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
