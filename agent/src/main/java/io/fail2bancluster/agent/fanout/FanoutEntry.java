package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.link.LinkEntry;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.TlsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A fanout server entry, as a reload compares it: a kept one subscribes and unsubscribes the difference. */
public record FanoutEntry(ServerConfig server) implements LinkEntry {

    /**
     * What makes a connection what it is: where it goes, how it is secured (TLS, server name, trusted and
     * client certificate files) and how it is kept alive (the liveness handler's timers are fixed per
     * connection). A change to any of them replaces the connection; channels do not.
     */
    record Identity(String host, int port, Optional<TlsConfig> tls, Duration pingTimeout, Duration pingInterval) {
    }

    @Override
    public Object identity() {
        return new Identity(server.host(), server.port(), server.tls(), server.pingTimeout(), server.pingInterval());
    }

    @Override
    public String address() {
        return server.address();
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
        return "subscribing to " + subscribed(server.channels());
    }

    @Override
    public List<String> changesSince(LinkEntry before) {
        List<String> was = subscribed(before.channels());
        List<String> now = subscribed(server.channels());
        List<String> parts = new ArrayList<>();
        List<String> added = now.stream().filter(c -> !was.contains(c)).toList();
        List<String> removed = was.stream().filter(c -> !now.contains(c)).toList();
        if (!added.isEmpty()) {
            parts.add("subscribing to " + added);
        }
        if (!removed.isEmpty()) {
            parts.add("unsubscribing from " + removed);
        }
        parts.addAll(LinkEntry.changedChannels(before.channels(), server.channels()));
        return parts;
    }

    /** The channels the agent subscribes to: those with an action. */
    private static List<String> subscribed(List<ChannelConfig> channels) {
        return channels.stream().filter(ChannelConfig::acts).map(ChannelConfig::name).toList();
    }
}
