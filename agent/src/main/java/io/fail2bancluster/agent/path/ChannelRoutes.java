package io.fail2bancluster.agent.path;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ServerConfig;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one server's pipeline acts on: the route of every subscribed channel (one with an action) and
 * the signature policy of every signed one. Immutable. A reload hands a new one to the server's
 * {@link MessagePath} (the signature check and the filter use it from the next message on) and to a live
 * connection as a user event ({@code pipeline.fireUserEventTriggered(routes)}), on which the session
 * subscribes and unsubscribes the difference. Both happen in one task on the event loop, so no message
 * ever sees half of the old and half of the new routes, and no lock is needed.
 *
 * @param routes     by channel name, in config order: the channels the agent subscribes to
 * @param signatures by channel name, for the signed channels among {@code routes}
 */
public record ChannelRoutes(Map<String, Route> routes, Map<String, SignaturePolicy> signatures) {

    public ChannelRoutes {
        routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        signatures = Map.copyOf(signatures);
    }

    /** @param hostname this host's name for {@code skip_own} channels; null when no channel has it */
    public static ChannelRoutes of(ServerConfig server, String hostname) {
        return of(server.channels(), hostname);
    }

    /** The routes of a server's {@code channels}, whatever carries them (fanout or NATS). */
    public static ChannelRoutes of(List<ChannelConfig> channels, String hostname) {
        Map<String, Route> routes = new LinkedHashMap<>();
        for (ChannelConfig channel : channels) {
            if (channel.action().isPresent()) {
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
        for (ChannelConfig channel : channels) {
            SignaturePolicy policy = SignaturePolicy.of(channel);
            if (policy != null && routes.containsKey(channel.name())) {
                policies.put(channel.name(), policy);
            }
        }
        return new ChannelRoutes(routes, policies);
    }

    /** The channels to subscribe to, in config order. */
    public List<String> channels() {
        return List.copyOf(routes.keySet());
    }
}
