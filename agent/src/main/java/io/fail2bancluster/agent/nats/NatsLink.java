package io.fail2bancluster.agent.nats;

import io.fail2bancluster.agent.link.Link;
import io.fail2bancluster.agent.outbox.NatsDelivery;
import io.fail2bancluster.agent.path.BackPressure;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.StoredMessage;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.util.Backoff;
import io.fail2bancluster.util.BlockingThreads;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One configured NATS JetStream cluster, beside fanout's {@code ServerLink}: its {@link ServerState}, its
 * {@link MessagePath}, its routes and its share of the outbox. It is made of parts:
 * <ul>
 * <li>the {@link StreamConnection} connects through a {@link ClusterClient} on the link's own thread, retries
 *     a cluster that is down, and follows the client's own reconnects;
 * <li>each {@link Subscription} lives on the event loop, where the client's threads hand it the stream's
 *     messages, at most a window ({@link #window(int)}) of them not yet settled. A redelivered one is dropped;
 * <li>its {@link BackPressure} holds them while the exec queue is full (their places in the window kept,
 *     so the stream waits), and hands them on once it has drained to half;
 * <li>the {@link CatchUpGate} lets through what a catch-up runs; what it passes and every live message go
 *     into the path;
 * <li>the {@link PositionWriter} stores the position up to which every message is settled: run and reported,
 *     or stopped on the path. So an agent killed with actions queued is given them again when it starts.
 * </ul>
 * On the event loop, unless said otherwise.
 */
public final class NatsLink implements Link {
    /** Messages not yet settled at most, whatever the exec queue: enough to keep batches of 100 on 4 runners full. */
    static final int MAX_WINDOW = 1024;

    private final NatsServerConfig config;
    private final ServerState state;
    private final MessagePath path;
    private final EventLoop loop;
    private final StreamConnection connection;
    private final PositionWriter positionWriter;
    private final CatchUpGate catchUp;
    /** Holds the stream's messages while the exec queue is full; the window then holds the stream. */
    private final BackPressure backPressure;

    /** What this cluster owes of the agent's outbox; null when the agent keeps none. */
    private NatsDelivery delivery;
    private ChannelRoutes routes;
    private boolean stopped;
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
                Executors.newSingleThreadExecutor(BlockingThreads.named("fail2ban-nats-" + config.stream())));
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
        this.connection = new StreamConnection(config.stream(), state, loop, backoff, cluster, positions, blocking,
                window, new Subscriptions());
        this.positionWriter = new PositionWriter(positions, loop, blocking, state.address());
        this.catchUp = new CatchUpGate(state.address(), path.clock());
        this.backPressure = path.backPressure(BackPressure.HELD_BY_WINDOW);
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

    @Override
    public MessagePath path() {
        return path;
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
        Subscription now = connection.current();
        return now == null ? Optional.empty() : Optional.ofNullable(now.session().connectedUrl());
    }

    /** Its state, and where it stands in the stream: the settled position, as the position file holds it. On the loop. */
    public AgentStatus.ServerStatus snapshot(long nowNanos, Instant now) {
        AgentStatus.ServerStatus plain = state.snapshot(nowNanos, now);
        long position = latest == null ? 0 : latest.settledMark();
        Subscription running = connection.current();
        long left = running == null ? 0 : running.leftToCatchUp();
        return new AgentStatus.ServerStatus(plain.address(), plain.state(), plain.connectedSince(), plain.reconnects(),
                plain.lastLineAt(), plain.counters(),
                Optional.of(new AgentStatus.NatsStatus(connectedUrl(), position, left, catchUp.skipped())),
                plain.readPauses());
    }

    /** Starts (or retries) the connect, off the loop. On the loop. */
    public void connect() {
        connection.connect();
    }

    /** One message of the stream, in stream order; {@code done} gives its place in the window back. */
    private void delivered(Subscription subscription, StoredMessage message, Runnable done) {
        if (stopped || subscription != connection.current() || !subscription.take(message.sequence())) {
            done.run();
            return; // already processed here: never twice
        }
        state.lineReceived(loop.ticker().nanoTime());
        long sequence = message.sequence();
        Runnable settled = new MessagePath.Retrying() {
            @Override
            public void run() {
                done.run();
                subscription.settled(sequence).ifPresent(position -> {
                    if (subscription == connection.current()) {
                        positionWriter.settled(subscription.positionKey(), position);
                    }
                });
            }

            /** Its action fails and is retried: the window lets the ones behind it in; the position stays below it. */
            @Override
            public void retrying() {
                done.run();
            }
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
        positionWriter.close(); // first: the link's thread writes the last position before it closes
        stopped = true;
        state.phase(ServerState.Phase.STOPPED);
        if (delivery != null) {
            delivery.close();
        }
        return connection.stop();
    }

    /** What the link does with its connection's subscriptions. On the loop. */
    private final class Subscriptions implements StreamConnection.Subscriber {
        @Override
        public void adopted(Subscription subscription) {
            latest = subscription;
        }

        @Override
        public void subscribed(Subscription subscription) {
            if (delivery != null) {
                delivery.connected(subscription.session());
            }
        }

        @Override
        public void delivered(Subscription subscription, StoredMessage message, Runnable done) {
            // a held message keeps its place in the window: a full queue fills the window, and the stream waits
            backPressure.offer(() -> NatsLink.this.delivered(subscription, message, done));
        }
    }
}
