package io.fail2bancluster.agent.nats;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.NatsServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * How a reloaded list of {@code nats:} entries relates to the running one. Entries are matched by their
 * connection: URLs, stream, replicas, retention, auth and TLS. A match keeps its link (connection,
 * subscription, stream position, counters) and takes the new channels, filters, actions and keys from the
 * next message on; a new connection is started as at start-up, resuming after the position stored for its
 * stream (so an entry removed and added back catches up on what it missed); a running entry with no match
 * is stopped, its position kept. Changing an entry's URLs or stream is therefore a stop and a start. Two
 * entries with the same connection match in file order.
 *
 * @param from     per entry of the new list, the index of the running entry it keeps, or {@link #ADDED}
 * @param removed  indexes into the running list of the entries to stop
 * @param describe what the reload does to the entries, one line each, for the log and the {@code reload} reply:
 *                 added and removed entries, and kept ones whose channels changed
 */
public record NatsReload(List<Integer> from, List<Integer> removed, List<String> describe) {
    /** In {@link #from}: a new entry. */
    public static final int ADDED = -1;

    public NatsReload {
        from = List.copyOf(from);
        removed = List.copyOf(removed);
        describe = List.copyOf(describe);
    }

    public static NatsReload between(List<NatsServerConfig> running, List<NatsServerConfig> wanted) {
        boolean[] matched = new boolean[running.size()];
        List<Integer> from = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (NatsServerConfig entry : wanted) {
            int index = firstUnmatched(running, matched, connection(entry));
            from.add(index);
            if (index == ADDED) {
                lines.add("added " + NatsLink.address(entry) + " (" + entry.path() + "), channels "
                        + names(entry.channels()));
                continue;
            }
            matched[index] = true;
            List<String> changes = channelChanges(running.get(index), entry);
            if (!changes.isEmpty()) {
                lines.add("kept " + NatsLink.address(entry) + ": " + String.join(", ", changes));
            }
        }
        List<Integer> removed = new ArrayList<>();
        for (int i = 0; i < matched.length; i++) {
            if (!matched[i]) {
                removed.add(i);
                lines.add("removed " + NatsLink.address(running.get(i)) + " (was " + running.get(i).path() + ")");
            }
        }
        return new NatsReload(from, removed, lines);
    }

    private static int firstUnmatched(List<NatsServerConfig> running, boolean[] matched, NatsServerConfig wanted) {
        for (int i = 0; i < running.size(); i++) {
            if (!matched[i] && connection(running.get(i)).equals(wanted)) {
                return i;
            }
        }
        return ADDED;
    }

    /** What makes an entry's connection what it is: the entry without its place in the file and its channels. */
    private static NatsServerConfig connection(NatsServerConfig server) {
        return new NatsServerConfig("", server.urls(), server.stream(), server.replicas(), server.retention(),
                server.auth(), server.tls(), List.of());
    }

    /** The channel list's change, then each kept channel whose handling changed: {@code changed Web (filter)}. */
    private static List<String> channelChanges(NatsServerConfig before, NatsServerConfig after) {
        List<String> parts = new ArrayList<>();
        if (!names(before.channels()).equals(names(after.channels()))) {
            parts.add("channels " + names(before.channels()) + " -> " + names(after.channels()));
        }
        for (ChannelConfig now : after.channels()) {
            for (ChannelConfig was : before.channels()) {
                List<String> what = was.name().equals(now.name()) ? was.changesIn(now) : List.of();
                if (!what.isEmpty()) {
                    parts.add("changed " + now.name() + " (" + String.join(", ", what) + ")");
                }
            }
        }
        return parts;
    }

    private static List<String> names(List<ChannelConfig> channels) {
        return channels.stream().map(ChannelConfig::name).toList();
    }
}
