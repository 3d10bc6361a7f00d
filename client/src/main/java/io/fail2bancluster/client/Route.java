package io.fail2bancluster.client;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Wire;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Where one command publishes, resolved once: the destinations, the key to sign with (null: unsigned) and the
 * limits the receivers apply. {@code publish} and {@code resync} both go through it, so every kind of
 * destination the config lists (fanout and NATS) serves every command.
 */
record Route(List<Destination> destinations, SigningKey key, ClusterConfig.Limits limits) {

    /** The one destination the command line names: no config is read, so the limits are the defaults. */
    static Route to(Destination destination, SigningKey key) {
        return new Route(List.of(destination), key, ClusterConfig.Limits.DEFAULTS);
    }

    /**
     * Every entry of {@code file} that carries {@code channel}, signed with the channel's first key unless
     * {@code key} is given.
     *
     * @throws IllegalArgumentException the config cannot be read, or nothing in it carries the channel: the
     *                                  error line, with a hint where one helps
     */
    static Route fromConfig(Function<Path, ClusterConfig> loader, Path file, String channel, SigningKey key) {
        ClusterConfig config = load(loader, file);
        List<Destination> destinations = ConfigDestinations.forChannel(config, channel);
        if (destinations.isEmpty()) {
            Set<String> names = ConfigDestinations.channelNames(config);
            throw new IllegalArgumentException("no server in " + file + " has a channel named " + Wire.quote(channel)
                    + (names.isEmpty() ? " (it has no channels)" : " (it has: " + String.join(", ", names) + ")")
                    + "; nothing sent");
        }
        return new Route(destinations, key != null ? key : ConfigDestinations.signingKey(config, channel),
                config.limits());
    }

    /**
     * The config the servers come from.
     *
     * @throws IllegalArgumentException it cannot be read: the error line, with a hint when it is the default one
     */
    static ClusterConfig load(Function<Path, ClusterConfig> loader, Path file) {
        try {
            return loader.apply(file);
        } catch (ConfigException e) {
            boolean missingDefault = file.equals(ClusterConfig.DEFAULT_PATH) && e.path().isEmpty()
                    && e.problem().equals("no such file");
            throw new IllegalArgumentException(e.getMessage() + (missingDefault ? "; without --config the servers come "
                    + "from it: to announce to one fanout server without a config, give --host HOST [-p PORT]"
                    + " (or --nats URL, or --agent to hand it to the local agent)" : ""), e);
        }
    }
}
