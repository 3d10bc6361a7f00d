package io.fail2bancluster.config;

import io.fail2bancluster.config.ChannelConfig.Enforce;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads what {@code enforce: nftables} needs: a channel's {@code enforce} and {@code bantime}, and the {@code nftables:} block. */
final class NftablesReader {
    /** Longer than any ban anyone means; nft's own limit is far beyond. */
    static final int MAX_BANTIME = 10 * 365 * 86_400;

    private NftablesReader() {
    }

    /** A channel's {@code enforce}, refused next to an {@code action}. */
    static Optional<Enforce> enforce(ConfigMapping channel, Optional<ConfigNode> actionNode) {
        Optional<ConfigNode> node = channel.optional("enforce");
        if (node.isEmpty()) {
            return Optional.empty();
        }
        String word = node.get().nonBlankString().trim();
        if (!word.equals(Enforce.NFTABLES.word())) {
            throw node.get().error("the only enforcement is 'nftables', got '" + word + "'");
        }
        if (actionNode.isPresent()) {
            throw node.get().error("a channel has either 'action' (line " + actionNode.get().line()
                    + ") or 'enforce', not both: enforce: nftables writes the bans into the kernel itself");
        }
        return Optional.of(Enforce.NFTABLES);
    }

    /** A channel's {@code bantime}: only with {@code enforce}; -1 for permanent. */
    static long bantime(ConfigMapping channel, Optional<Enforce> enforce) {
        Optional<ConfigNode> node = channel.optional("bantime");
        if (node.isEmpty()) {
            return ChannelConfig.DEFAULT_BANTIME;
        }
        if (enforce.isEmpty()) {
            throw node.get().error("only means something with enforce: nftables (an action's command decides how long "
                    + "a ban lasts)");
        }
        int seconds = node.get().integer(-1, MAX_BANTIME);
        if (seconds == 0) {
            throw node.get().error("must be -1 (permanent) or a number of seconds, got 0");
        }
        return seconds;
    }

    /** The top-level {@code nftables:} block, {@link NftablesConfig#DEFAULTS} when absent. */
    static NftablesConfig nftables(ConfigMapping top) {
        Optional<ConfigNode> node = top.optional("nftables");
        if (node.isEmpty()) {
            return NftablesConfig.DEFAULTS;
        }
        ConfigMapping block = node.get().mapping();
        String table = block.optional("table").map(t -> {
            String name = t.nonBlankString().trim();
            if (!NftablesConfig.IDENTIFIER.matcher(name).matches()) {
                throw t.error("a table name is a letter then up to 63 letters, digits or '_', got '" + name + "'");
            }
            return name;
        }).orElse(NftablesConfig.DEFAULT_TABLE);
        int priority = block.integer("priority", NftablesConfig.DEFAULT_PRIORITY, -1000, 1000);
        List<Integer> ports = block.optional("ports").map(p -> p.nonEmptyList("needs at least one port, or leave it out")
                .stream().map(port -> port.integer(1, 65535)).distinct().toList()).orElse(List.of());
        Duration reconcile = block.seconds("reconcile", NftablesConfig.DEFAULT_RECONCILE);
        block.finish();
        return new NftablesConfig(table, priority, ports, reconcile);
    }

    /** Two enforced channels whose names give the same set names would share sets by accident: refused. */
    static void distinctStems(List<ChannelConfig> enforced, String source) {
        Map<String, ChannelConfig> byStem = new HashMap<>();
        for (ChannelConfig channel : enforced) {
            if (NftablesConfig.setStem(channel.name()).length() > 200) {
                throw new ConfigException(source, channel.path() + ".name", "too long for enforce: nftables (a set "
                        + "name is at most 255 characters); use a channel name of at most 197 characters", 0);
            }
            ChannelConfig first = byStem.putIfAbsent(NftablesConfig.setStem(channel.name()), channel);
            if (first != null && !first.name().equals(channel.name())) {
                throw new ConfigException(source, channel.path() + ".name", "channel '" + channel.name()
                        + "' gives the same nftables set names as '" + first.name() + "' (" + first.path()
                        + "); rename one", 0);
            }
        }
    }
}
