package io.fail2bancluster.agent.nats;

import io.fail2bancluster.agent.outbox.NatsDelivery;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.util.Backoff;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One configured NATS JetStream cluster, beside fanout's {@code ServerLink}. It holds the cluster's
 * {@link ServerState} and {@link MessagePath}, and keeps it subscribed:
 * <ol>
 * <li>connect through the {@link ClusterClient}, ensure the stream, read the stored position, and subscribe
 *     from the one after it. All of these block, so they run on this link's own thread, never the event loop.
 *     A cluster that is wholly down is retried after a {@link Backoff} delay scheduled on the loop;
 * <li>once connected, the client reconnects by itself between the cluster's URLs, and the reading resumes
 *     after the last sequence it delivered. The link only follows the state for {@code status};
 * <li>the messages come to the {@link Subscription} on the event loop, at most a window ({@link #window(int)})
 *     of them not yet settled. A redelivered one is dropped; catch-up ones pass the {@link CatchUpGate}; the
 *     rest go into the path;
 * <li>as they settle, the {@link PositionWriter} stores the position up to which all of them settled.
 * </ol>
 * Fields marked "loop" live on the event loop; the rest are set before the link starts or are thread-safe.
 */
public final class NatsLink {
    private static final Logger LOG = LogManager.getLogger(NatsLink.class);
    private static final int MAX_ATTEMPT = 62;
    /** Messages not yet settled at most, whatever the exec queue: enough to keep batches of 100 on 4 runners full. */
    static final int MAX_WINDOW = 1024;

    private final NatsServerConfig config;
    private final ServerState state;
    private final MessagePath path;
    private final EventLoop loop;
    private final Backoff backoff;
    private final ClusterClient cluster;
    private final PositionStore positions;
    private final PositionWriter positionWriter;
    private final CatchUpGate catchUp;
    /** Connects, stream calls, position writes, closes: everything of this link that blocks, in order. */
    private final ExecutorService blocking;
    private final int window;

    /** What this cluster owes of the agent's outbox; null when the agent keeps none. */
    private NatsDelivery delivery;

    // loop
    private ChannelRoutes routes;
    private boolean stopped;
    private int attempt;
    private ScheduledFuture<?> pendingRetry;
    /** The subscription being started or running; null while there is none. */
    private Subscription current;
    /** The latest subscription, kept while waiting to retry: status still shows its position. */
    private Subscription latest;

    /**
     * A link over jnats.
     *
     * @param reconnectMin jnats's wait between rounds of its reconnects
     * @param window       messages not yet settled at most (see {@link #window(int)})
     */
    public NatsLink(NatsServerConfig config, ServerState state, MessagePath path, ChannelRoutes routes, EventLoop loop,
                    Backoff backoff, PositionStore positions, Duration reconnectMin, int window) {
        this(config, state, path, routes, loop, backoff, positions, window, new JnatsClusterClient(config, reconnectMin),
                Executors.newSingleThreadExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "fail2ban-nats " + config.stream());
                    thread.setDaemon(true);
                    return thread;
                }));
    }

    /**
     * @param cluster  what the link connects through
     * @param blocking one thread, for everything of this link that blocks; shut down by {@link #stop()}
     */
    NatsLink(NatsServerConfig config, ServerState state, MessagePath path, ChannelRoutes routes, EventLoop loop,
             Backoff backoff, PositionStore positions, int window, ClusterClient cluster, ExecutorService blocking) {
        this.config = config;
        this.state = state;
        this.path = path;
        this.routes = routes;
        this.loop = loop;
        this.backoff = backoff;
        this.positions = positions;
        this.window = window;
        this.cluster = cluster;
        this.blocking = blocking;
        this.positionWriter = new PositionWriter(positions, loop, blocking, state.address());
        this.catchUp = new CatchUpGate(state.address(), path.clock());
    }

    /**
     * A link's window for an agent whose exec queue holds {@code execQueue} actions: a quarter of it (so that
     * a few NATS entries catching up at once, and fanout's traffic beside them, never overflow it), at most
     * {@link #MAX_WINDOW}. When the window is full the stream waits; JetStream keeps the rest.
     */
    public static int window(int execQueue) {
        return Math.max(1, Math.min(MAX_WINDOW, execQueue / 4));
    }

    /** {@code nats:<stream>@host:port,...}: how status, logs and metrics name this cluster. */
    public static String address(NatsServerConfig config) {
        StringBuilder text = new StringBuilder("nats:").append(config.stream()).append('@');
        for (int i = 0; i < config.urls().size(); i++) {
            if (i > 0) {
                text.append(',');
            }
            var url = config.urls().get(i);
            text.append(url.getHost()).append(':').append(url.getPort() < 0 ? NatsServerConfig.DEFAULT_PORT : url.getPort());
        }
        return text.toString();
    }

    public ServerState state() {
        return state;
    }

    public NatsServerConfig config() {
        return config;
    }

    /** A reload's routes for a kept entry: used from the next message on, no reconnect. On the loop. */
    public void routes(ChannelRoutes next) {
        routes = next;
        path.routes(next);
        if (delivery != null) {
            delivery.channels(next.routes().keySet());
        }
    }

    /** Its share of the outbox, published over this link's connection once it has one. Before {@link #connect}. */
    public void delivery(NatsDelivery outbox) {
        this.delivery = outbox;
    }

    /** Null when the agent keeps no outbox. */
    public NatsDelivery delivery() {
        return delivery;
    }

    /** The last stream sequence delivered here. On the loop. */
    public long processed() {
        return latest == null ? 0 : latest.processed();
    }

    /** The URL the client is connected to now, or empty. On the loop. */
    public Optional<String> connectedUrl() {
        Subscription now = current;
        return now == null ? Optional.empty() : Optional.ofNullable(now.session().connectedUrl());
    }

    /** Its state, and where it stands in the stream: the settled position, as the position file holds it. On the loop. */
    public AgentStatus.ServerStatus snapshot(long nowNanos, Instant now) {
        AgentStatus.ServerStatus plain = state.snapshot(nowNanos, now);
        long position = latest == null ? 0 : latest.settledMark();
        long left = current == null ? 0 : current.leftToCatchUp();
        return new AgentStatus.ServerStatus(plain.address(), plain.state(), plain.connectedSince(), plain.reconnects(),
                plain.lastLineAt(), plain.counters(),
                Optional.of(new AgentStatus.NatsStatus(connectedUrl(), position, left, catchUp.skipped())));
    }

    /** Starts (or retries) the connect, off the loop. On the loop. */
    public void connect() {
        pendingRetry = null;
        if (stopped) {
            return;
        }
        state.phase(ServerState.Phase.CONNECTING);
        try {
            blocking.execute(this::subscribe);
        } catch (RejectedExecutionException stopping) {
            // stop() came first
        }
    }

    /** On the link's thread: connect, ensure the stream, subscribe from the stored position. */
    private void subscribe() {
        ClusterClient.Session session = null;
        try {
            session = cluster.connect(new Follower());
            ClusterClient.StreamState stream = session.stream();
            String key = PositionStore.key(config.stream(), session.clusterName());
            Subscription subscription = new Subscription(session, key, stream.created(),
                    storedPosition(key, stream.created()), stream.lastSequence());
            // the loop takes it before any of its messages: they are handed to the loop after this
            loop.execute(() -> adopt(subscription));
            subscription.reading(session.subscribe(subscription.startSequence(), window, loop,
                    (message, done) -> delivered(subscription, message, done)));
            loop.execute(() -> subscribed(subscription));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (session != null) {
                session.close();
            }
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            try {
                loop.execute(() -> failed(reason));
            } catch (RejectedExecutionException stopping) {
                // the agent is gone
            }
        }
    }

    /** The position stored for this stream; empty for none, or one of an earlier stream of the same name. */
    private OptionalLong storedPosition(String key, Instant created) throws IOException {
        Optional<StreamPosition> stored = positions.read(key);
        if (stored.isPresent() && !stored.get().isOf(created)) {
            LOG.warn("{}: stream {} was created again ({}, the stored position is of {}): reading it as a new host",
                    state.address(), config.stream(), created, stored.get().streamCreated());
            return OptionalLong.empty();
        }
        return stored.map(p -> OptionalLong.of(p.sequence())).orElse(OptionalLong.empty());
    }

    private void adopt(Subscription subscription) {
        if (!stopped) {
            current = subscription;
            latest = subscription;
        }
    }

    private void subscribed(Subscription subscription) {
        if (stopped || current != subscription) {
            closeOffLoop(subscription);
            return;
        }
        attempt = 0;
        if (delivery != null) {
            delivery.connected(subscription.session());
        }
        state.greeted(loop.ticker().nanoTime());
        LOG.info("{}: subscribed to stream {} via {} from sequence {} ({} to catch up{})", state.address(),
                config.stream(), subscription.session().connectedUrl(), subscription.startSequence(),
                subscription.toCatchUp(),
                subscription.lastProcessed().isEmpty() ? ", no stored position: only bans in force run" : "");
    }

    private void failed(String reason) {
        if (stopped) {
            return;
        }
        current = null;
        state.phase(ServerState.Phase.WAITING);
        state.reconnecting();
        Duration delay = backoff.delay(attempt);
        attempt = Math.min(attempt + 1, MAX_ATTEMPT);
        LOG.warn("{}: cannot subscribe: {}; retrying in {} ms", state.address(), reason, delay.toMillis());
        pendingRetry = loop.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One message of the stream, on the loop, in stream order; {@code done} gives its place in the window back. */
    private void delivered(Subscription subscription, StoredMessage message, Runnable done) {
        if (stopped || subscription != current || !subscription.take(message.sequence())) {
            done.run();
            return; // already processed here: never twice
        }
        state.lineReceived(loop.ticker().nanoTime());
        long sequence = message.sequence();
        Runnable settled = () -> {
            done.run();
            subscription.settled(sequence).ifPresent(position -> {
                if (subscription == current) {
                    positionWriter.settled(subscription.positionKey(), position);
                }
            });
        };
        if (!routes.routes().containsKey(message.channel())) {
            settled.run(); // not a channel of this host: passed over
            return;
        }
        Message parsed = path.parse(message.message());
        if (catchUp.admits(subscription, message, parsed)) {
            path.accept(message.channel(), parsed, message.stored(), settled);
        } else {
            settled.run();
        }
    }

    /** Stops the subscription and closes the connection, after writing the last position. On the loop. */
    public Future<?> stop() {
        positionWriter.close(); // before the close below, on the same thread: the last position is kept
        stopped = true;
        state.phase(ServerState.Phase.STOPPED);
        if (delivery != null) {
            delivery.close();
        }
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
        Promise<Void> closed = loop.newPromise();
        Subscription subscription = current;
        try {
            blocking.execute(() -> {
                if (subscription != null) {
                    subscription.close();
                }
                closed.trySuccess(null);
            });
            blocking.shutdown();
        } catch (RejectedExecutionException already) {
            closed.trySuccess(null);
        }
        return closed;
    }

    private void closeOffLoop(Subscription subscription) {
        try {
            blocking.execute(subscription::close);
        } catch (RejectedExecutionException stopped) {
            // stop() shut the link's thread down while this subscription was coming up, so stop() did not
            // see it: close it on a thread of its own (a reload that removed the entry must not leave it open)
            Thread closer = new Thread(subscription::close, "fail2ban-nats close " + config.stream());
            closer.setDaemon(true);
            closer.start();
        }
    }

    /** The connection's view for status: the client reconnects by itself, the link only follows. */
    private final class Follower implements ClusterClient.Events {
        @Override
        public void disconnected() {
            onLoop(() -> {
                state.phase(ServerState.Phase.WAITING);
                LOG.info("{}: disconnected; jnats reconnects to the cluster's URLs", state.address());
            });
        }

        @Override
        public void reconnected() {
            onLoop(() -> {
                state.reconnecting();
                state.greeted(loop.ticker().nanoTime());
                LOG.info("{}: reconnected via {}", state.address(), current.session().connectedUrl());
            });
        }

        private void onLoop(Runnable change) {
            try {
                loop.execute(() -> {
                    if (!stopped && current != null) {
                        change.run();
                    }
                });
            } catch (RejectedExecutionException stopping) {
                // the agent is gone
            }
        }
    }
}
