package io.fail2bancluster.agent.path;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.SigningKey;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one server's pipeline acts on: the route of every subscribed channel (one with an action) and
 * the signature policy of every signed one. Immutable. A reload hands a new one to the server's
 * {@link MessagePath} (the signature check and the filter use it from the next message on) and to a live
 * connection as a user event ({@code pipeline.fireUserEventTriggered(routes)}), on which the session
 * subscribes and unsubscribes the difference. Both happen in one task on the event loop, so no message
 * ever sees half of the old and half of the new routes, and no lock is needed.
 *
 * <p>It also says what the server carries for this host's own publishes (the outbox): every channel of its
 * entry, an action or not, and the key each signed one is signed with, so a reload reaches the server's
 * outbox delivery by the same one call ({@code Link.routes}).
 *
 * @param routes     by channel name, in config order: the channels the agent subscribes to
 * @param signatures by channel name, for the signed channels among {@code routes}
 * @param carried    every channel of the entry: the outbox entries the server owes
 * @param keys       each signed channel's first key: what this host's publishes are signed with (the client's too)
 */
public record ChannelRoutes(Map<String, Route> routes, Map<String, SignaturePolicy> signatures, Set<String> carried,
                            Map<String, SigningKey> keys) {

    public ChannelRoutes {
        routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        signatures = Map.copyOf(signatures);
        carried = Set.copyOf(carried);
        keys = Map.copyOf(keys);
    }

    /** Routes that carry nothing more than they subscribe to, and sign nothing of this host's. */
    public ChannelRoutes(Map<String, Route> routes, Map<String, SignaturePolicy> signatures) {
        this(routes, signatures, routes.keySet(), Map.of());
    }

    /** @param hostname this host's name for {@code skip_own} channels; null when no channel has it */
    public static ChannelRoutes of(ServerConfig server, String hostname) {
        return of(server.channels(), hostname);
    }

    /** The routes of a server's {@code channels}, whatever carries them (fanout or NATS). */
    public static ChannelRoutes of(List<ChannelConfig> channels, String hostname) {
        Map<String, Route> routes = new LinkedHashMap<>();
        for (ChannelConfig channel : channels) {
            if (channel.acts()) {
                routes.put(channel.name(), Route.of(channel, hostname));
            }
        }
        return of(channels, routes);
    }

    /** {@code routes} as given, with the signature policies of {@code server}'s channels among them. */
    public static ChannelRoutes of(ServerConfig server, Map<String, Route> routes) {
        return of(server.channels(), routes);
    }

    private static ChannelRoutes of(List<ChannelConfig> channels, Map<String, Route> routes) {
        Map<String, SignaturePolicy> policies = new HashMap<>();
        Set<String> carried = new HashSet<>();
        Map<String, SigningKey> keys = new HashMap<>();
        for (ChannelConfig channel : channels) {
            SignaturePolicy policy = SignaturePolicy.of(channel);
            if (policy != null && routes.containsKey(channel.name())) {
                policies.put(channel.name(), policy);
            }
            carried.add(channel.name());
            if (!channel.secrets().isEmpty()) {
                keys.put(channel.name(), channel.secrets().get(0));
            }
        }
        return new ChannelRoutes(routes, policies, carried, keys);
    }

    /** The channels to subscribe to, in config order. */
    public List<String> channels() {
        return List.copyOf(routes.keySet());
    }
}
