package io.fail2bancluster.agent;

import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.protocol.Message;
import java.util.List;
import java.util.Objects;

/**
 * What one subscribed channel on one server does with a message: the filter it must pass and the
 * action it renders to. Built from a {@link ChannelConfig} that has an action; a channel without one
 * is publish-only and the agent does not subscribe to it.
 *
 * @param channel the fanout channel
 * @param filters every entry must accept the message; empty passes everything
 * @param action  renders the message into argv (normally {@link ActionTemplate#render})
 * @param label   how the action is shown in logs (the template text)
 * @param ownHost with {@code skip_own}, this host's name: a message whose {@code source} equals it was
 *                published here and is not run again; null runs every host's messages
 */
record Route(String channel, List<FilterEntry> filters, Renderer action, String label, String ownHost) {

    /** The seam between a message and a command line; {@link ActionTemplate#render} in production. */
    @FunctionalInterface
    interface Renderer {
        ActionTemplate.Rendered render(String channel, Message message);
    }

    Route {
        Objects.requireNonNull(channel, "channel");
        filters = List.copyOf(filters);
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(label, "label");
    }

    Route(String channel, List<FilterEntry> filters, Renderer action, String label) {
        this(channel, filters, action, label, null);
    }

    /** @param hostname this host's name, used only when the channel has {@code skip_own} */
    static Route of(ChannelConfig channel, String hostname) {
        ActionTemplate template = channel.action().orElseThrow(() ->
                new IllegalArgumentException(channel.path() + ": channel " + channel.name() + " has no action"));
        return new Route(channel.name(), channel.filters(), template::render, template.text(),
                channel.skipOwn() ? Objects.requireNonNull(hostname, "hostname") : null);
    }

    /** Whether this host published the message itself (only with {@code skip_own}). */
    boolean isOwn(Message message) {
        return ownHost != null && ownHost.equals(message.get("source"));
    }

    /** The seed's semantics: for every entry the message's value for its key is one of its values. */
    boolean accepts(Message message) {
        for (FilterEntry entry : filters) {
            if (!entry.accepts(message.get(entry.key()))) {
                return false;
            }
        }
        return true;
    }

    /** The first entry that refuses the message, for the debug log; null when it passes. */
    FilterEntry firstRefusal(Message message) {
        for (FilterEntry entry : filters) {
            if (!entry.accepts(message.get(entry.key()))) {
                return entry;
            }
        }
        return null;
    }
}
