package io.fail2bancluster.agent.nats;

import io.fail2bancluster.agent.link.LinkEntry;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.NatsServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code nats:} entry, as a reload compares it. Its connection is its URLs, stream, replicas, retention,
 * auth and TLS: a kept one keeps its subscription and stream position and takes the new channels from the
 * next message on; a new one resumes after the position stored for its stream (so an entry removed and added
 * back catches up on what it missed); a removed one is stopped, its position kept.
 */
public record NatsEntry(NatsServerConfig server) implements LinkEntry {

    /** The entry without its place in the file and its channels. */
    @Override
    public Object identity() {
        return new NatsServerConfig("", server.urls(), server.stream(), server.replicas(), server.retention(),
                server.auth(), server.tls(), List.of());
    }

    @Override
    public String address() {
        return NatsLink.address(server);
    }

    @Override
    public String path() {
        return server.path();
    }

    @Override
    public List<ChannelConfig> channels() {
        return server.channels();
    }

    @Override
    public String taking() {
        return "channels " + LinkEntry.names(server.channels());
    }

    /** The channel list's change, then each kept channel whose handling changed: {@code changed Web (filter)}. */
    @Override
    public List<String> changesSince(LinkEntry before) {
        List<String> parts = new ArrayList<>();
        List<String> was = LinkEntry.names(before.channels());
        List<String> now = LinkEntry.names(server.channels());
        if (!was.equals(now)) {
            parts.add("channels " + was + " -> " + now);
        }
        parts.addAll(LinkEntry.changedChannels(before.channels(), server.channels()));
        return parts;
    }
}
