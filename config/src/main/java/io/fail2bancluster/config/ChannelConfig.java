package io.fail2bancluster.config;

import java.util.List;
import java.util.Optional;

/**
 * A channel on one server: what runs when a message passes its filter.
 *
 * @param path    where it stands in the file, e.g. {@code servers[0].channels[1]}
 * @param name    the fanout channel (no '!', space, CR, LF)
 * @param action  the command, split into argv at load time; empty for a publish-only channel
 * @param filters every entry must pass; an empty list passes every message
 * @param skipOwn messages whose {@code source} is this agent's {@link ClusterConfig#hostname()} are
 *                filtered out: the publishing host has banned the address already
 */
public record ChannelConfig(
        String path,
        String name,
        Optional<ActionTemplate> action,
        List<FilterEntry> filters,
        boolean skipOwn) {

    public ChannelConfig {
        filters = List.copyOf(filters);
    }

    /** A channel that runs its own host's messages too (no {@code skip_own}). */
    public ChannelConfig(String path, String name, Optional<ActionTemplate> action, List<FilterEntry> filters) {
        this(path, name, action, filters, false);
    }
}
