package io.fail2bancluster.agent;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.TlsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a reloaded server list relates to the running one. Servers are matched by {@link Identity}: a
 * new server with the identity of a running one keeps that one's connection and counters, and only its
 * subscriptions change; a new identity is connected; a running one with no match is closed. Two
 * entries with the same identity (allowed, with a warning) match in file order.
 *
 * @param next    one change per server of the new list, in its order
 * @param removed indexes into the running list of the servers to close
 */
record ServerDiff(List<Change> next, List<Integer> removed) {

    ServerDiff {
        next = List.copyOf(next);
        removed = List.copyOf(removed);
    }

    /**
     * What makes a connection what it is: where it goes, how it is secured (TLS, server name, trusted
     * and client certificate files) and how it is kept alive (the liveness handler's timers are fixed
     * per connection). A change to any of them replaces the connection; channels do not.
     */
    record Identity(String host, int port, Optional<TlsConfig> tls, Duration pingTimeout, Duration pingInterval) {
        static Identity of(ServerConfig server) {
            return new Identity(server.host(), server.port(), server.tls(), server.pingTimeout(), server.pingInterval());
        }
    }

    /** What happens to one server of the new list. */
    sealed interface Change {
        ServerConfig server();
    }

    /** Running already (index {@code from}): the connection stays; the channel lists are the difference. */
    record Kept(int from, ServerConfig server, List<String> subscribed, List<String> unsubscribed) implements Change {
        Kept {
            subscribed = List.copyOf(subscribed);
            unsubscribed = List.copyOf(unsubscribed);
        }
    }

    /** New: connected and subscribed. */
    record Added(ServerConfig server) implements Change {
    }

    static ServerDiff between(List<ServerConfig> running, List<ServerConfig> wanted) {
        boolean[] matched = new boolean[running.size()];
        List<Change> next = new ArrayList<>();
        for (ServerConfig server : wanted) {
            int from = firstUnmatched(running, matched, Identity.of(server));
            if (from < 0) {
                next.add(new Added(server));
                continue;
            }
            matched[from] = true;
            List<String> before = subscribed(running.get(from));
            List<String> after = subscribed(server);
            next.add(new Kept(from, server, after.stream().filter(c -> !before.contains(c)).toList(),
                    before.stream().filter(c -> !after.contains(c)).toList()));
        }
        List<Integer> removed = new ArrayList<>();
        for (int i = 0; i < matched.length; i++) {
            if (!matched[i]) {
                removed.add(i);
            }
        }
        return new ServerDiff(next, removed);
    }

    private static int firstUnmatched(List<ServerConfig> running, boolean[] matched, Identity identity) {
        for (int i = 0; i < running.size(); i++) {
            if (!matched[i] && Identity.of(running.get(i)).equals(identity)) {
                return i;
            }
        }
        return -1;
    }

    /** The channels the agent subscribes to on {@code server}: those with an action. */
    private static List<String> subscribed(ServerConfig server) {
        return server.channels().stream().filter(c -> c.action().isPresent()).map(ChannelConfig::name).toList();
    }

    /**
     * The channels subscribed before and after whose handling changed, each with what changed:
     * {@code Fail2ban (filter, keys)}. These keep their subscription, so without this line a reload that
     * changed only a filter would look as if it had done nothing.
     */
    private static List<String> changedChannels(ServerConfig before, ServerConfig after) {
        List<String> changed = new ArrayList<>();
        for (ChannelConfig now : after.channels()) {
            Optional<ChannelConfig> was = before.channel(now.name());
            if (now.action().isEmpty() || was.isEmpty() || was.get().action().isEmpty()) {
                continue; // not subscribed before or after: the subscribe lists tell
            }
            List<String> what = was.get().changesIn(now);
            if (!what.isEmpty()) {
                changed.add(now.name() + " (" + String.join(", ", what) + ")");
            }
        }
        return changed;
    }

    /**
     * What the reload does, one line each, for the log and the {@code reload} reply; {@code running}
     * is the list the diff was made from.
     */
    List<String> describe(List<ServerConfig> running) {
        List<String> lines = new ArrayList<>();
        for (Change change : next) {
            if (change instanceof Added added) {
                lines.add("added " + added.server().address() + " (" + added.server().path() + "), subscribing to "
                        + subscribed(added.server()));
            } else if (change instanceof Kept kept) {
                List<String> parts = new ArrayList<>();
                if (!kept.subscribed().isEmpty()) {
                    parts.add("subscribing to " + kept.subscribed());
                }
                if (!kept.unsubscribed().isEmpty()) {
                    parts.add("unsubscribing from " + kept.unsubscribed());
                }
                List<String> changed = changedChannels(running.get(kept.from()), kept.server());
                if (!changed.isEmpty()) {
                    parts.add("changed " + String.join(", ", changed));
                }
                if (!parts.isEmpty()) {
                    lines.add("kept " + kept.server().address() + ": " + String.join(", ", parts));
                }
            }
        }
        for (int index : removed) {
            lines.add("removed " + running.get(index).address() + " (was " + running.get(index).path() + ")");
        }
        long kept = next.stream().filter(Kept.class::isInstance).count();
        lines.add(kept + " server(s) kept their connection, " + (next.size() - kept) + " added, " + removed.size()
                + " removed");
        return lines;
    }
}
