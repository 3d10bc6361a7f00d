package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.Wire;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The message path's filter: finds the route of the message's channel and lets the message through only
 * when every filter entry of that route accepts it. A message without {@code =} is a key with no value,
 * so it fails any filter instead of bypassing it (as the original did). On a {@code skip_own} channel a
 * message whose {@code source} is this host stops here; so does one whose {@code ip} is inside
 * {@code ignore_ip}, and one with a value the action would take for an option (a leading {@code -}).
 * A fleet's failure report ({@code action=attempt}) passes the entries on {@code action} and {@code skip_own}:
 * it goes on to be counted ({@link FleetCounter}), never run.
 * A reload replaces the routes for the next message. One per server, on the agent's event loop.
 */
final class RouteFilter {
    private static final Logger LOG = LogManager.getLogger(RouteFilter.class);

    private final ServerState state;
    /** Replaced by a reload. */
    private Map<String, Route> routes;
    private final Rejections ignoredIps;
    private final Rejections dashed;

    RouteFilter(ServerState state, Map<String, Route> routes) {
        this.state = state;
        this.ignoredIps = new Rejections(state, Counter.FILTERED_OUT);
        this.dashed = new Rejections(state, Counter.REJECTED);
        routes(routes);
    }

    /** A reload's routes, for the next message. */
    void routes(Map<String, Route> next) {
        routes = Map.copyOf(next);
    }

    /** The route the message goes on with, or null when it stops here (counted as filtered out or rejected). */
    Route route(String channel, Message message, long nowNanos) {
        String address = state.address();
        Route route = routes.get(channel);
        if (route == null) {
            state.increment(Counter.FILTERED_OUT);
            LOG.debug("{}: filtered out a message on channel {} (not configured for this server)",
                    address, Wire.quote(channel));
            return null;
        }
        FilterEntry refusal = route.firstRefusal(message);
        if (refusal != null) {
            state.increment(Counter.FILTERED_OUT);
            if (LOG.isDebugEnabled()) {
                String value = message.get(refusal.key());
                LOG.debug("{} {}: filtered out {} ({}: {} is {})", address, channel, Wire.quote(message.raw()),
                        refusal.path(), refusal.key(), value == null ? "missing" : Wire.quote(value));
            }
            return null;
        }
        if (route.isOwn(message)) {
            state.increment(Counter.FILTERED_OUT);
            LOG.debug("{} {}: filtered out {} (published by this host, skip_own)", address, channel,
                    Wire.quote(message.raw()));
            return null;
        }
        AddressRange ignored = route.ignored(message);
        if (ignored != null) {
            long count = ignoredIps.record(nowNanos);
            if (count > 0) {
                LOG.info("{} {}: not acting on {}: ip is inside ignore_ip {} ({} such message(s) since the last report)",
                        address, channel, Wire.quote(message.raw()), ignored, count);
            }
            return null;
        }
        String dashedKey = route.dashedKey(message);
        if (dashedKey != null) {
            long count = dashed.record(nowNanos);
            if (count > 0) {
                LOG.warn("{} {}: rejected {}: the value of {} starts with '-' and would reach the action as an "
                        + "option; only a filter pattern on that key can allow it ({} such message(s) since the last "
                        + "warning)", address, channel, Wire.quote(message.raw()), dashedKey, count);
            }
            return null;
        }
        return route;
    }
}
