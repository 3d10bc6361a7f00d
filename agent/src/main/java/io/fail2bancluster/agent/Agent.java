package io.fail2bancluster.agent;

import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.ProcessActionRunner;
import io.fail2bancluster.agent.fanout.ServerLink;
import io.fail2bancluster.agent.fanout.ServerPipeline;
import io.fail2bancluster.agent.fanout.ServerTimers;
import io.fail2bancluster.agent.fanout.TlsContexts;
import io.fail2bancluster.agent.metrics.MetricsListener;
import io.fail2bancluster.agent.nats.NatsLink;
import io.fail2bancluster.agent.nats.NatsReload;
import io.fail2bancluster.agent.nats.PositionStore;
import io.fail2bancluster.agent.outbox.FanoutDelivery;
import io.fail2bancluster.agent.outbox.NatsDelivery;
import io.fail2bancluster.agent.outbox.Outbox;
import io.fail2bancluster.agent.outbox.OutboxDestination;
import io.fail2bancluster.agent.outbox.OutboxStore;
import io.fail2bancluster.agent.outbox.PublishCommand;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.ExecReporter;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.fail2bancluster.util.ProductVersion;
import io.fail2bancluster.util.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A running agent: one event loop holding a connection per configured server. Everything that is
 * shared between the connections (dedupe, counters, the exec reporter) lives on that one loop
 * thread, so it needs no locks; actions run off the loop in the {@link ActionRunner}. Started with an
 * {@link OutboxStore}, it also delivers this host's own publishes ({@link Outbox}) over those connections.
 */
public final class Agent implements AutoCloseable {
    /** How a fatal error on a loop or a connection names the process that ends (see {@code FatalErrors}). */
    public static final String PROCESS_NAME = "fail2ban-clusterd";
    private static final Logger LOG = LogManager.getLogger(Agent.class);

    private final EventLoop loop;
    private final EventLoopGroup ownedGroup;
    private final ActionRunner ownedRunner;
    private final DnsAddressResolverGroup resolver;
    private final Instant startedAt = Instant.now();
    private final MetricsListener metrics;
    private final Bootstrap base;
    private final MessagePath.Shared shared;
    private final Random random = new Random();
    /** Null when the agent keeps no outbox. */
    private final Outbox outbox;
    /** Nonces of the outbox's signed announces; made here, so that no draw reads a device on the loop. */
    private final Random nonces;
    /** Each NATS link's window, from the start-up exec_queue (a restart-only setting). */
    private final int natsWindow;
    /** Reconnect bounds of every connection, added ones included: they are fixed at start. */
    private final Duration reconnectMin;
    private final Duration reconnectMax;
    /** The servers as the last {@link #reload} (or the start) asked for them; guarded by this. */
    private ClusterConfig config;
    /** In the order of {@link #config}'s servers. The fields below live on the event loop. */
    private List<ServerLink> servers = new ArrayList<>();
    /** One per {@code nats:} entry, in config order; on the event loop. */
    private List<NatsLink> natsServers = new ArrayList<>();
    private final PositionStore positions;
    /** Each server's identity in the {@link Deduplicator}: never reused, so a removed server's copies do not count for a new one. */
    private int nextServerIndex;
    private boolean stopping;
    private CompletableFuture<Void> shutdown;
    private volatile AgentStatus finalStatus;

    /** Starts connecting to every server; returns at once (connections come up in the background). */
    public static Agent start(ClusterConfig config) {
        return startOwning(config, new ProcessActionRunner(
                config.execConcurrency(), config.execQueue(), config.execTimeout()));
    }

    /** Like {@link #start(ClusterConfig)}: the agent owns {@code runner} and shuts it down with itself. */
    static Agent startOwning(ClusterConfig config, ActionRunner runner) {
        return new Agent(config, runner, runner, Transports.newGroup(1, PROCESS_NAME, "fail2ban-agent"), true, null);
    }

    /**
     * Like {@link #start(ClusterConfig)}, delivering the entries of {@code outbox} (what it kept from the
     * last run, and every publish from now on) to the servers that carry their channel.
     */
    public static Agent start(ClusterConfig config, OutboxStore outbox) {
        ActionRunner runner = new ProcessActionRunner(config.execConcurrency(), config.execQueue(), config.execTimeout());
        return new Agent(config, runner, runner, Transports.newGroup(1, PROCESS_NAME, "fail2ban-agent"), true, outbox);
    }

    /** Like {@link #start(ClusterConfig, OutboxStore)} with another runner, which the caller owns. */
    static Agent start(ClusterConfig config, ActionRunner runner, OutboxStore outbox) {
        return new Agent(config, runner, null, Transports.newGroup(1, PROCESS_NAME, "fail2ban-agent"), true, outbox);
    }

    /** Like {@link #start(ClusterConfig)} with another runner, which the caller owns and shuts down. */
    public static Agent start(ClusterConfig config, ActionRunner runner) {
        return new Agent(config, runner, null, Transports.newGroup(1, PROCESS_NAME, "fail2ban-agent"), true, null);
    }

    /**
     * Runs the agent on one loop of {@code group} (which the caller owns, and may share with many agents,
     * as the load harness does); the caller also owns {@code runner}.
     */
    public static Agent start(ClusterConfig config, ActionRunner runner, EventLoopGroup group) {
        return new Agent(config, runner, null, group, false, null);
    }

    /** An event loop group of the best transport here (epoll, else NIO), e.g. for {@link #start(ClusterConfig, ActionRunner, EventLoopGroup)}. */
    public static EventLoopGroup newEventLoopGroup(int threads) {
        return Transports.newGroup(threads, PROCESS_NAME, "fail2ban-agent");
    }

    /** @param store the outbox to deliver, or null for none; its entries are read here, off the loop */
    private Agent(ClusterConfig config, ActionRunner runner, ActionRunner ownedRunner, EventLoopGroup group,
                  boolean ownsGroup, OutboxStore store) {
        List<SslContext> tlsContexts;
        try {
            tlsContexts = tlsContexts(config);
        } catch (IllegalStateException e) {
            if (ownsGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
            throw e;
        }
        this.loop = group.next();
        this.ownedGroup = ownsGroup ? group : null;
        this.ownedRunner = ownedRunner;
        // Netty's DNS resolver: a name lookup never blocks the loop, and each connect resolves again.
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(Transports.datagramChannel(loop))
                .socketChannelType(Transports.socketChannel(loop)));
        this.shared = new MessagePath.Shared(loop, new Deduplicator(config.dedupeWindow()), runner,
                new ExecReporter(loop.ticker()), config.limits(),
                config.signatureWindow(), Clock.systemUTC());
        this.base = new Bootstrap()
                .group(loop)
                .channel(Transports.socketChannel(loop))
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
        this.natsWindow = NatsLink.window(config.execQueue());
        this.reconnectMin = config.reconnectMin();
        this.reconnectMax = config.reconnectMax();
        this.config = config;
        this.outbox = store == null ? null : Outbox.withWriterThread(store, loop);
        this.nonces = store == null ? null : FanoutDelivery.nonceSource();
        List<OutboxStore.Entry> stored = store == null ? List.of() : store.entries();
        // Looked up here, on the starting thread, never on the loop (it may be a blocking DNS lookup).
        String hostname = ownHostname(config);
        if (hostname != null) {
            LOG.info("skip_own channels ignore messages with source={}", hostname);
        }
        List<ServerConfig> configured = config.servers();
        List<ChannelRoutes> routes = new ArrayList<>();
        for (ServerConfig server : configured) {
            routes.add(ChannelRoutes.of(server, hostname));
        }
        List<ChannelRoutes> natsRoutes = natsRoutes(config, hostname);
        routes.addAll(natsRoutes);
        this.positions = new PositionStore(config.stateDir());
        // set before the loop sees the deduplicator: the connects below are queued to it after this
        shared.deduplicator().redundantChannels(redundantChannels(routes));
        for (int i = 0; i < configured.size(); i++) {
            servers.add(open(configured.get(i), routes.get(i), tlsContexts.get(i)));
        }
        for (int i = 0; i < config.natsServers().size(); i++) {
            natsServers.add(openNats(config.natsServers().get(i), natsRoutes.get(i)));
        }
        // Bound before anything connects: a port in use stops the start-up with nothing left running.
        try {
            this.metrics = config.metrics().map(address -> MetricsListener.start(address, loop,
                    Transports.serverSocketChannel(loop), this::snapshot, ProductVersion.current())).orElse(null);
        } catch (IllegalStateException e) {
            resolver.close();
            if (ownedRunner != null) {
                ownedRunner.shutdown(Duration.ZERO);
            }
            if (ownsGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
            throw e;
        }
        if (metrics != null) {
            LOG.info("metrics on http://{}/metrics", metrics.address());
        }
        loop.execute(() -> {
            if (outbox != null) {
                outbox.start(deliveries(), stored);
            }
            servers.forEach(ServerLink::connect);
            natsServers.forEach(NatsLink::connect);
        });
        LOG.info("agent started: {} server(s), {} NATS server(s), dedupe window {} ms, {} transport", configured.size(),
                config.natsServers().size(),
                config.dedupeWindow().toMillis(), Transports.isEpoll(loop) ? "epoll" : "nio");
    }

    private ServerLink open(ServerConfig server, ChannelRoutes routes, SslContext tls) {
        ServerState state = new ServerState(server.address());
        Bootstrap bootstrap = base.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, ServerTimers.of(server).connectTimeoutMillis());
        ServerLink link = new ServerLink(state, new MessagePath(state, nextServerIndex++, routes, shared), routes, loop,
                () -> bootstrap.connect(remoteAddress(server)),
                new Backoff(reconnectMin, reconnectMax, random), ServerLink.stableAfter(reconnectMax));
        if (outbox != null) {
            link.delivery(new FanoutDelivery(server.address(), channelNames(server), signingKeys(server), outbox,
                    shared.clock(), nonces));
        }
        bootstrap.handler(new ServerPipeline(server, link, shared.limits().maxLine(), tls, PROCESS_NAME));
        return link;
    }

    private NatsLink openNats(NatsServerConfig server, ChannelRoutes routes) {
        ServerState state = new ServerState(NatsLink.address(server));
        NatsLink link = new NatsLink(server, state, new MessagePath(state, nextServerIndex++, routes, shared), routes,
                loop, new Backoff(reconnectMin, reconnectMax, random), positions, reconnectMin,
                natsWindow);
        if (outbox != null) {
            link.delivery(new NatsDelivery(state.address(), new StreamSpec(server.stream(), server.retention(),
                    server.replicas()), routes.routes().keySet(), signingKeys(server.channels()), outbox, loop,
                    shared.clock(), nonces));
        }
        return link;
    }

    private static List<ChannelRoutes> natsRoutes(ClusterConfig config, String hostname) {
        List<ChannelRoutes> routes = new ArrayList<>();
        for (NatsServerConfig server : config.natsServers()) {
            routes.add(ChannelRoutes.of(server.channels(), hostname));
        }
        return routes;
    }

    private static Set<String> channelNames(ServerConfig server) {
        Set<String> names = new HashSet<>();
        for (ChannelConfig channel : server.channels()) {
            names.add(channel.name());
        }
        return names;
    }

    /** Each signed channel's first key: what the client signs with too. */
    private static Map<String, SigningKey> signingKeys(ServerConfig server) {
        return signingKeys(server.channels());
    }

    private static Map<String, SigningKey> signingKeys(List<ChannelConfig> channels) {
        Map<String, SigningKey> keys = new HashMap<>();
        for (ChannelConfig channel : channels) {
            if (!channel.secrets().isEmpty()) {
                keys.put(channel.name(), channel.secrets().get(0));
            }
        }
        return keys;
    }

    private List<OutboxDestination> deliveries() {
        List<OutboxDestination> all = new ArrayList<>();
        servers.forEach(server -> all.add(server.delivery()));
        natsServers.forEach(server -> all.add(server.delivery()));
        return all;
    }

    /** The control socket's {@code publish}; empty when the agent keeps no outbox. */
    public Optional<PublishCommand> publishCommand() {
        return Optional.ofNullable(outbox).map(Outbox::publishCommand);
    }

    /** This host's name when a channel needs it ({@code skip_own}), else null. May block: never on the loop. */
    private static String ownHostname(ClusterConfig config) {
        return config.skipsOwnMessages() ? config.hostname() : null;
    }

    /**
     * Applies {@code next}'s servers and channels without a restart (see {@link ServerDiff} and
     * {@link NatsReload}): kept servers keep their connection and counters and get the new channels,
     * filters, actions and keys; added ones are connected (a NATS entry resuming after its stored stream
     * position); removed ones closed. Every other setting keeps its start-up value. Call it off the
     * event loop: the new routes and TLS contexts are built here, the connections are changed on the loop.
     *
     * @return what changed, one line each; completes once the loop has applied it
     * @throws IllegalStateException when an added server's TLS files cannot be used; nothing changed then
     */
    public synchronized CompletableFuture<List<String>> reload(ClusterConfig next) {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("reload must not run on the event loop");
        }
        ServerDiff diff = ServerDiff.between(config.servers(), next.servers());
        String hostname = ownHostname(next);
        List<ChannelRoutes> routes = new ArrayList<>();
        List<SslContext> tls = new ArrayList<>();
        for (ServerDiff.Change change : diff.next()) {
            routes.add(ChannelRoutes.of(change.server(), hostname));
            tls.add(change instanceof ServerDiff.Added added ? tlsContext(added.server()) : null);
        }
        List<String> changes = new ArrayList<>(diff.describe(config.servers()));
        NatsReload nats = NatsReload.between(config.natsServers(), next.natsServers());
        List<NatsServerConfig> natsEntries = next.natsServers();
        List<ChannelRoutes> natsRoutes = natsRoutes(next, hostname);
        changes.addAll(nats.describe());
        List<ChannelRoutes> allRoutes = new ArrayList<>(routes);
        allRoutes.addAll(natsRoutes);
        Set<String> redundant = redundantChannels(allRoutes);
        CompletableFuture<List<String>> applied = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                // first, so that the outbox's new destinations (in apply) carry the NATS entries as they are now
                applyNats(nats, natsEntries, natsRoutes);
                apply(diff, routes, tls, redundant);
                applied.complete(changes);
            });
        } catch (RejectedExecutionException stopped) {
            throw new IllegalStateException("the agent is stopping", stopped);
        }
        config = next;
        return applied;
    }

    /** The NATS half of a reload, on the loop: kept links get their routes, added ones start, removed ones stop. */
    private void applyNats(NatsReload diff, List<NatsServerConfig> entries, List<ChannelRoutes> routes) {
        if (stopping) {
            return;
        }
        List<NatsLink> wanted = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            int from = diff.from().get(i);
            if (from == NatsReload.ADDED) {
                NatsLink added = openNats(entries.get(i), routes.get(i));
                added.connect();
                wanted.add(added);
            } else {
                NatsLink kept = natsServers.get(from);
                kept.routes(routes.get(i));
                wanted.add(kept);
            }
        }
        for (int index : diff.removed()) {
            natsServers.get(index).stop();
        }
        natsServers = wanted;
    }

    private void apply(ServerDiff diff, List<ChannelRoutes> routes, List<SslContext> tls, Set<String> redundant) {
        if (stopping) {
            return;
        }
        // before the first message on the new routes: a channel a second server now carries is deduplicated
        shared.deduplicator().redundantChannels(redundant);
        List<ServerLink> wanted = new ArrayList<>();
        for (int i = 0; i < diff.next().size(); i++) {
            ServerDiff.Change change = diff.next().get(i);
            if (change instanceof ServerDiff.Kept kept) {
                ServerLink server = servers.get(kept.from());
                server.routes(routes.get(i));
                if (server.delivery() != null) {
                    server.delivery().channels(channelNames(change.server()), signingKeys(change.server()));
                }
                wanted.add(server);
            } else {
                ServerLink server = open(change.server(), routes.get(i), tls.get(i));
                server.connect();
                wanted.add(server);
            }
        }
        for (int index : diff.removed()) {
            servers.get(index).stop();
        }
        servers = wanted;
        if (outbox != null) {
            outbox.destinations(deliveries());
        }
    }

    /** One TLS context per server (null for a plain one), built before anything connects. */
    private static List<SslContext> tlsContexts(ClusterConfig config) {
        List<SslContext> contexts = new ArrayList<>();
        for (ServerConfig server : config.servers()) {
            contexts.add(tlsContext(server));
        }
        return contexts;
    }

    private static SslContext tlsContext(ServerConfig server) {
        return server.tls().map(tls -> TlsContexts.forServer(server, tls)).orElse(null);
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

    /** The channels that two or more servers deliver to this agent: the only ones whose copies need dedupe. */
    private static Set<String> redundantChannels(List<ChannelRoutes> servers) {
        Set<String> seen = new HashSet<>();
        Set<String> redundant = new HashSet<>();
        for (ChannelRoutes server : servers) {
            for (String channel : server.routes().keySet()) {
                if (!seen.add(channel)) {
                    redundant.add(channel);
                }
            }
        }
        return redundant;
    }

    /** A consistent snapshot, taken on the event loop. Safe to call from any thread, the loop included. */
    public AgentStatus status() {
        if (loop.inEventLoop()) {
            return snapshot();
        }
        try {
            return statusAsync().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking the status", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot take the status", e.getCause());
        }
    }

    /** The snapshot without waiting for it: completes on the event loop. */
    public CompletableFuture<AgentStatus> statusAsync() {
        AgentStatus last = finalStatus;
        if (last != null) {
            return CompletableFuture.completedFuture(last);
        }
        try {
            return CompletableFuture.supplyAsync(this::snapshot, loop);
        } catch (RejectedExecutionException stopped) {
            return CompletableFuture.completedFuture(finalStatus);
        }
    }

    private AgentStatus snapshot() {
        long nowNanos = loop.ticker().nanoTime();
        Instant now = Instant.now();
        List<AgentStatus.ServerStatus> all = new ArrayList<>();
        servers.forEach(s -> all.add(s.state().snapshot(nowNanos, now)));
        natsServers.forEach(s -> all.add(s.snapshot(nowNanos, now)));
        return new AgentStatus(startedAt, all, Optional.ofNullable(outbox).map(Outbox::status));
    }

    /**
     * Stops reading from every server, lets running actions finish for at most {@code grace},
     * then kills what is left. Completes when everything is stopped. Calling it again returns the same future.
     */
    public synchronized CompletableFuture<Void> shutdown(Duration grace) {
        if (shutdown != null) {
            return shutdown;
        }
        CompletableFuture<Void> closed = new CompletableFuture<>();
        loop.execute(() -> {
            stopping = true;
            List<CompletableFuture<Object>> closes = new ArrayList<>();
            for (ServerLink server : servers) {
                closes.add(toCompletable(server.stop()));
            }
            for (NatsLink server : natsServers) {
                closes.add(toCompletable(server.stop()));
            }
            if (metrics != null) {
                closes.add(metrics.stop().thenApply(stopped -> stopped));
            }
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    .whenComplete((ok, error) -> closed.complete(null));
        });
        shutdown = closed
                // closed completes on the loop; a thread pool's shutdown takes its lock, so it must not run there.
                .thenComposeAsync(x -> {
                    if (outbox != null) {
                        outbox.close(); // the connections are closed: nothing more is confirmed
                    }
                    return ownedRunner != null ? ownedRunner.shutdown(grace) : CompletableFuture.completedFuture(null);
                }, ForkJoinPool.commonPool())
                // Results of the last actions were posted to the loop before the runner finished; this runs after them.
                .thenComposeAsync(x -> {
                    finalStatus = snapshot();
                    resolver.close();
                    return CompletableFuture.<Void>completedFuture(null);
                }, loop)
                .thenCompose(x -> ownedGroup != null
                        ? toCompletable(ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS)).thenApply(y -> (Void) null)
                        : CompletableFuture.completedFuture(null))
                .whenComplete((x, error) -> LOG.info("agent stopped"));
        return shutdown;
    }

    private static <T> CompletableFuture<Object> toCompletable(Future<T> future) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                done.complete(f.getNow());
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        return done;
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(10)).join();
    }
}
