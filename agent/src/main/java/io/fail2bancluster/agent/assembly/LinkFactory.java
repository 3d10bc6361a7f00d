package io.fail2bancluster.agent.assembly;

import io.fail2bancluster.agent.catchup.FleetCatchUp;
import io.fail2bancluster.agent.fanout.FanoutEntry;
import io.fail2bancluster.agent.fanout.ServerLink;
import io.fail2bancluster.agent.fanout.ServerPipeline;
import io.fail2bancluster.agent.fanout.ServerTimers;
import io.fail2bancluster.agent.fanout.TlsContexts;
import io.fail2bancluster.agent.link.Link;
import io.fail2bancluster.agent.link.LinkEntry;
import io.fail2bancluster.agent.link.Reconcile;
import io.fail2bancluster.agent.nats.NatsEntry;
import io.fail2bancluster.agent.nats.NatsLink;
import io.fail2bancluster.agent.nats.PositionStore;
import io.fail2bancluster.agent.outbox.FanoutDelivery;
import io.fail2bancluster.agent.outbox.NatsDelivery;
import io.fail2bancluster.agent.outbox.Outbox;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Makes the links of a config's server entries, fanout or NATS, each with its message path and, when the
 * agent keeps an outbox, its delivery; and the plan of a start or reload ({@link #plan}). Used on a starting
 * or reloading thread, never on the loop: TLS files are read and host names may be looked up here.
 */
final class LinkFactory {
    /**
     * What a start or reload does, made off the loop and applied on it in one task.
     *
     * @param change    which running links the wanted entries keep
     * @param routes    per wanted entry, its routes
     * @param tls       per wanted entry, the TLS context of an added fanout server on TLS, else null
     * @param redundant the channels two or more links deliver: the only ones whose copies need dedupe
     * @param opened    per wanted entry, its new link if it is added, else null; empty until {@link #open}
     */
    record Plan(Reconcile change, List<ChannelRoutes> routes, List<SslContext> tls, Set<String> redundant,
                List<Link> opened) {
    }

    private final Bootstrap base;
    private final MessagePath.Shared shared;
    private final Duration reconnectMin;
    private final Duration reconnectMax;
    private final Random random = new Random();
    /** Each NATS link's window, from the start-up exec_queue (a restart-only setting). */
    private final int natsWindow;
    private final PositionStore positions;
    /** Null when the agent keeps no outbox. */
    private final Outbox outbox;
    /** Null when the agent keeps no ledger: then fanout links do not catch up. */
    private final FleetCatchUp catchUp;
    /** Nonces of the outbox's signed announces; made at start, so that no draw reads a device on the loop. */
    private final Random nonces;
    /** Each link's identity in the dedupe: never reused, so a removed server's copies do not count for a new one. */
    private int nextServerIndex;

    /** Reconnect bounds, the window and state_dir are fixed at start, for links added later too. */
    LinkFactory(ClusterConfig config, Bootstrap base, MessagePath.Shared shared, Outbox outbox, FleetCatchUp catchUp) {
        this.catchUp = catchUp;
        this.base = base;
        this.shared = shared;
        this.reconnectMin = config.reconnectMin();
        this.reconnectMax = config.reconnectMax();
        this.natsWindow = NatsLink.window(config.execQueue());
        this.positions = new PositionStore(config.stateDir());
        this.outbox = outbox;
        this.nonces = outbox == null ? null : FanoutDelivery.nonceSource();
    }

    /** The server entries of {@code config}: fanout ones first, then NATS ones, each in file order. */
    static List<LinkEntry> entries(ClusterConfig config) {
        List<LinkEntry> entries = new ArrayList<>();
        config.servers().forEach(server -> entries.add(new FanoutEntry(server)));
        config.natsServers().forEach(server -> entries.add(new NatsEntry(server)));
        return entries;
    }

    /**
     * The plan that takes the {@code running} entries to {@code next}'s, with no link opened yet: every TLS
     * context an added entry needs is built here, before anything runs, so a bad file leaves nothing behind.
     *
     * @throws IllegalStateException naming the server when an added entry's TLS files cannot be used
     */
    static Plan plan(List<LinkEntry> running, ClusterConfig next) {
        List<LinkEntry> wanted = entries(next);
        Reconcile change = Reconcile.between(running, wanted);
        List<SslContext> tls = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            tls.add(change.from().get(i) == Reconcile.ADDED ? tlsContext(wanted.get(i)) : null);
        }
        // may be a blocking lookup: here, off the loop
        String hostname = next.skipsOwnMessages() ? next.hostname() : null;
        List<ChannelRoutes> routes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> redundant = new HashSet<>();
        for (LinkEntry entry : wanted) {
            ChannelRoutes entryRoutes = ChannelRoutes.of(entry.channels(), hostname);
            routes.add(entryRoutes);
            entryRoutes.routes().keySet().stream().filter(channel -> !seen.add(channel)).forEach(redundant::add);
        }
        return new Plan(change, routes, tls, redundant, List.of());
    }

    /** {@code plan} with a new link for each added entry (not connected). */
    Plan open(Plan plan, ClusterConfig next) {
        List<LinkEntry> wanted = entries(next);
        List<Link> opened = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            boolean added = plan.change().from().get(i) == Reconcile.ADDED;
            opened.add(added ? open(wanted.get(i), plan.routes().get(i), plan.tls().get(i)) : null);
        }
        return new Plan(plan.change(), plan.routes(), plan.tls(), plan.redundant(), opened);
    }

    private static SslContext tlsContext(LinkEntry entry) {
        if (entry instanceof FanoutEntry fanout) {
            ServerConfig server = fanout.server();
            return server.tls().map(tls -> TlsContexts.forServer(server, tls)).orElse(null);
        }
        return null; // jnats sets up a NATS entry's TLS as it connects
    }

    private Link open(LinkEntry entry, ChannelRoutes routes, SslContext tls) {
        Backoff backoff = new Backoff(reconnectMin, reconnectMax, random);
        if (entry instanceof NatsEntry nats) {
            return openNats(nats.server(), routes, backoff);
        }
        ServerConfig server = ((FanoutEntry) entry).server();
        ServerState state = new ServerState(server.address());
        Bootstrap bootstrap = base.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, ServerTimers.of(server).connectTimeoutMillis());
        ServerLink link = new ServerLink(state, new MessagePath(state, nextServerIndex++, routes, shared),
                shared.loop(), () -> bootstrap.connect(remoteAddress(server)), backoff,
                ServerLink.stableAfter(reconnectMax));
        if (outbox != null) {
            link.delivery(new FanoutDelivery(server.address(), routes.carried(), routes.keys(), outbox,
                    shared.clock(), nonces));
        }
        if (catchUp != null) {
            link.catchUp(catchUp.forLink(server.address(), link.path()::routes));
        }
        bootstrap.handler(new ServerPipeline(server, link, shared.limits().maxLine(), tls, Agent.PROCESS_NAME));
        return link;
    }

    private NatsLink openNats(NatsServerConfig server, ChannelRoutes routes, Backoff backoff) {
        ServerState state = new ServerState(NatsLink.address(server));
        NatsLink link = new NatsLink(server, state, new MessagePath(state, nextServerIndex++, routes, shared), routes,
                shared.loop(), backoff, positions, reconnectMin, natsWindow);
        if (outbox != null) {
            NatsDelivery delivery = new NatsDelivery(state.address(), new StreamSpec(server.stream(),
                    server.retention(), server.replicas()), routes.routes().keySet(), routes.keys(), outbox,
                    shared.loop(), shared.clock(), nonces);
            delivery.start(); // the link's stop() closes it
            link.delivery(delivery);
        }
        return link;
    }

    /**
     * A fresh address per attempt: a host name stays unresolved so the bootstrap's DNS resolver looks it
     * up again (honouring the record's TTL), and a server that moved is found on the next retry. An IP
     * literal needs no resolver at all (the load harness runs hundreds of agents against 127.0.0.1).
     */
    private static InetSocketAddress remoteAddress(ServerConfig server) {
        String host = server.host();
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(host, literal), server.port());
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return InetSocketAddress.createUnresolved(host, server.port());
    }
}
