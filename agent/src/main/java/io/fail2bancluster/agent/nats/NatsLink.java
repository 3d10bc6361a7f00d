package io.fail2bancluster.agent.nats;

import io.fail2bancluster.agent.link.Link;
import io.fail2bancluster.agent.outbox.NatsDelivery;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.NatsConnections;
import io.fail2bancluster.nats.StreamSetup;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamInfo;
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
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One configured NATS JetStream cluster, beside fanout's {@code ServerLink}: its {@link ServerState}, its
 * {@link MessagePath}, and the lifecycle that keeps it subscribed:
 * <ol>
 * <li>connect with jnats, ensure the stream ({@link StreamSetup}), read the stored position and subscribe
 *     from the one after it. jnats blocks in all of these, so they run on this link's own thread, never the
 *     event loop; a cluster that is wholly down is retried after a {@link Backoff} delay scheduled on the loop;
 * <li>once connected, jnats reconnects by itself between the cluster's URLs and the ordered consumer resumes
 *     after the last sequence it delivered; the link only follows the state for {@code status};
 * <li>every message comes to {@link #delivered} on the event loop, at most a window ({@link #window(int)}) of them not yet
 *     settled, so a catch-up never fills the exec queue (a ban dropped there would be settled, and lost
 *     to this host). Up to the stream's last sequence at
 *     subscribe time it is catch-up and runs only when {@link CatchUp} says so; later ones are live and go
 *     straight into the path. A sequence at or before the one processed last is dropped, so a redelivery
 *     never runs twice;
 * <li>the position stored is the one up to which every message is settled ({@link SettledSequences}): run
 *     and reported, or stopped on the path, so an agent killed with actions queued is given them again when
 *     it starts. It is written off the loop, at most once per {@link #POSITION_WRITE_INTERVAL} and at stop,
 *     the latest position each time.
 * </ol>
 * A stream whose creation time differs from the stored position's is another stream: no state.
 *
 * <p>Fields marked "loop" live on the event loop; the rest are set before the link starts or are thread-safe.
 */
public final class NatsLink implements Link {
    private static final Logger LOG = LogManager.getLogger(NatsLink.class);
    private static final int MAX_ATTEMPT = 62;
    /** Messages not yet settled at most, whatever the exec queue: enough to keep batches of 100 on 4 runners full. */
    static final int MAX_WINDOW = 1024;
    /**
     * How often the stream position is written at most (and once more at stop). A catch-up or a busy stream
     * settles thousands of messages a second, and each write forces a file and its folder to disk: a fleet's
     * hosts sharing one disk (the load harness) were disk-bound on it. An agent killed with -9 is given again
     * what settled in its last interval: at least once, as a message settled after a gap already is.
     */
    static final Duration POSITION_WRITE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final NatsServerConfig config;
    private final ServerState state;
    private final MessagePath path;
    private final EventLoop loop;
    private final Backoff backoff;
    private final PositionStore positions;
    private final Duration reconnectMin;
    /** Connects, stream calls, position writes, closes: everything of this link that blocks, in order. */
    private final ExecutorService blocking;
    private final AtomicReference<StreamPosition> unwritten = new AtomicReference<>();
    private final int window;

    /** What this cluster owes of the agent's outbox; null when the agent keeps none. */
    private NatsDelivery delivery;

    // loop
    private ChannelRoutes routes;
    private boolean stopped;
    private int attempt;
    private ScheduledFuture<?> pendingRetry;
    private Subscribed current;
    private long processed;
    private SettledSequences settling = new SettledSequences(0);
    private long skipped;
    private long lastWriteNanos;
    private boolean anyWrite;
    /** A write waiting for its interval, and the position key it writes under; null when none. */
    private ScheduledFuture<?> pendingWrite;
    private String pendingWriteKey;

    /** One subscription: what it was started from. Immutable. */
    private record Subscribed(Connection connection, StreamSubscriber subscriber, String positionKey,
                              Instant streamCreated, OptionalLong lastProcessed, long catchUpEnd) {
    }

    /** @param window messages not yet settled at most (see {@link #window(int)}) */
    public NatsLink(NatsServerConfig config, ServerState state, MessagePath path, ChannelRoutes routes, EventLoop loop,
                    Backoff backoff, PositionStore positions, Duration reconnectMin, int window) {
        this.config = config;
        this.window = window;
        this.state = state;
        this.path = path;
        this.routes = routes;
        this.loop = loop;
        this.backoff = backoff;
        this.positions = positions;
        this.reconnectMin = reconnectMin;
        this.blocking = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "fail2ban-nats " + config.stream());
            thread.setDaemon(true);
            return thread;
        });
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

    /** The last stream sequence processed here. On the loop. */
    public long processed() {
        return processed;
    }

    /** Catch-up messages still to come (0 once live). On the loop. */
    long leftToCatchUp() {
        return current == null ? 0 : Math.max(0, current.catchUpEnd - processed);
    }

    /** The URL jnats is connected to now, or empty. On the loop. */
    public Optional<String> connectedUrl() {
        Subscribed now = current;
        return now == null ? Optional.empty() : Optional.ofNullable(now.connection.getConnectedUrl());
    }

    public AgentStatus.ServerStatus snapshot(long nowNanos, Instant now) {
        AgentStatus.ServerStatus plain = state.snapshot(nowNanos, now);
        return new AgentStatus.ServerStatus(plain.address(), plain.state(), plain.connectedSince(), plain.reconnects(),
                plain.lastLineAt(), plain.counters(),
                Optional.of(new AgentStatus.NatsStatus(connectedUrl(), processed, leftToCatchUp(), skipped)));
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
        Connection connection = null;
        try {
            Options options = NatsConnections.options(config, REQUEST_TIMEOUT, new NatsConnections.Quiet())
                    .maxReconnects(-1)
                    .reconnectWait(reconnectMin)
                    .connectionListener(new Follower())
                    .build();
            connection = Nats.connect(options);
            StreamInfo info = StreamSetup.ensure(connection,
                    new StreamSpec(config.stream(), config.retention(), config.replicas()), REQUEST_TIMEOUT);
            Instant created = info.getCreateTime().toInstant();
            String key = PositionStore.key(config.stream(), connection.getServerInfo().getCluster());
            Optional<StreamPosition> stored = positions.read(key);
            OptionalLong last = stored.filter(p -> p.isOf(created)).map(p -> OptionalLong.of(p.sequence()))
                    .orElse(OptionalLong.empty());
            if (stored.isPresent() && last.isEmpty()) {
                LOG.warn("{}: stream {} was created again ({}, the stored position is of {}): reading it as a new host",
                        state.address(), config.stream(), created, stored.get().streamCreated());
            }
            long catchUpEnd = info.getStreamState().getLastSequence();
            long start = last.isPresent() ? last.getAsLong() + 1 : 1;
            // set on the loop before any message of the new subscription can arrive there
            Connection up = connection;
            Promise<Void> ready = loop.newPromise();
            loop.execute(() -> {
                processed = last.orElse(0);
                settling = new SettledSequences(processed);
                current = new Subscribed(up, null, key, created, last, catchUpEnd);
                ready.setSuccess(null);
            });
            ready.await(REQUEST_TIMEOUT.toMillis());
            StreamSubscriber subscriber = StreamSubscriber.start(connection, config.stream(), start, loop,
                    window, this::delivered);
            loop.execute(() -> subscribed(new Subscribed(up, subscriber, key, created, last, catchUpEnd), start));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(connection);
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            try {
                loop.execute(() -> failed(reason));
            } catch (RejectedExecutionException stopping) {
                // the agent is gone
            }
        }
    }

    private void subscribed(Subscribed subscription, long start) {
        if (stopped) {
            closeOffLoop(subscription);
            return;
        }
        current = subscription;
        attempt = 0;
        if (delivery != null) {
            delivery.connected(subscription.connection);
        }
        state.greeted(loop.ticker().nanoTime());
        LOG.info("{}: subscribed to stream {} via {} from sequence {} ({} to catch up{})", state.address(),
                config.stream(), subscription.connection.getConnectedUrl(), start,
                Math.max(0, subscription.catchUpEnd - start + 1),
                subscription.lastProcessed.isEmpty() ? ", no stored position: only bans in force run" : "");
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
    private void delivered(StoredMessage message, Runnable done) {
        Subscribed subscription = current;
        if (stopped || subscription == null || message.sequence() <= processed) {
            done.run();
            return; // already processed here: never twice
        }
        state.lineReceived(loop.ticker().nanoTime());
        long sequence = message.sequence();
        processed = sequence;
        SettledSequences tracker = settling;
        tracker.delivered(sequence);
        Runnable settled = () -> {
            done.run();
            tracker.settled(sequence).ifPresent(mark -> {
                if (tracker == settling) {
                    persist(new StreamPosition(subscription.streamCreated, mark), subscription.positionKey);
                }
            });
        };
        if (!routes.routes().containsKey(message.channel())) {
            settled.run();
        } else if (sequence <= subscription.catchUpEnd) {
            CatchUp.Verdict verdict = CatchUp.verdict(message, Instant.now(), subscription.lastProcessed);
            if (verdict.runs()) {
                path.accept(message.channel(), message.message(), message.stored(), settled);
            } else {
                skipped++;
                LOG.debug("{}: catch-up skips sequence {} ({}): {}", state.address(), sequence, verdict,
                        message.message());
                settled.run();
            }
        } else {
            path.accept(message.channel(), message.message(), message.stored(), settled);
        }
    }

    /**
     * Writes the latest position off the loop, at most once per {@link #POSITION_WRITE_INTERVAL}: a write
     * waiting for its turn (on the loop's timer or the link's thread) takes this newer position instead.
     */
    private void persist(StreamPosition position, String key) {
        if (stopped) {
            return; // stop() wrote what was settled before it; the loop may be going away
        }
        if (unwritten.getAndSet(position) != null) {
            return; // a write is already on its way and will take this newer one
        }
        long wait = anyWrite ? lastWriteNanos + POSITION_WRITE_INTERVAL.toNanos() - loop.ticker().nanoTime() : 0;
        if (wait > 0) {
            pendingWriteKey = key;
            pendingWrite = loop.schedule(() -> writeNow(key), wait, TimeUnit.NANOSECONDS);
        } else {
            writeNow(key);
        }
    }

    /** Hands the latest position to the link's thread to write. On the loop. */
    private void writeNow(String key) {
        pendingWrite = null;
        pendingWriteKey = null;
        anyWrite = true;
        lastWriteNanos = loop.ticker().nanoTime();
        try {
            blocking.execute(() -> {
                StreamPosition latest = unwritten.getAndSet(null);
                if (latest == null) {
                    return;
                }
                try {
                    positions.write(key, latest);
                } catch (IOException e) {
                    LOG.error("{}: cannot store the stream position {}: {}", state.address(), latest.sequence(), e.toString());
                }
            });
        } catch (RejectedExecutionException stopping) {
            unwritten.set(null);
        }
    }

    /** Stops the subscription and closes the connection, after writing the last position. On the loop. */
    public Future<?> stop() {
        if (pendingWrite != null) {
            pendingWrite.cancel(false);
            writeNow(pendingWriteKey); // before the close below, on the same thread: the last position is kept
        }
        stopped = true;
        state.phase(ServerState.Phase.STOPPED);
        if (delivery != null) {
            delivery.stop();
        }
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
        Promise<Void> closed = loop.newPromise();
        Subscribed subscription = current;
        try {
            blocking.execute(() -> {
                if (subscription != null) {
                    close(subscription);
                }
                closed.trySuccess(null);
            });
            blocking.shutdown();
        } catch (RejectedExecutionException already) {
            closed.trySuccess(null);
        }
        return closed;
    }

    private void closeOffLoop(Subscribed subscription) {
        try {
            blocking.execute(() -> close(subscription));
        } catch (RejectedExecutionException stopped) {
            // stop() shut the link's thread down while this subscription was coming up, so stop() did not
            // see it: close it on a thread of its own (a reload that removed the entry must not leave it open)
            Thread closer = new Thread(() -> close(subscription), "fail2ban-nats close " + config.stream());
            closer.setDaemon(true);
            closer.start();
        }
    }

    private static void close(Subscribed subscription) {
        if (subscription.subscriber != null) {
            subscription.subscriber.close();
        }
        closeQuietly(subscription.connection);
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** jnats's view of the connection, for status: it reconnects by itself, the link only follows. */
    private final class Follower implements ConnectionListener {
        @Override
        public void connectionEvent(Connection connection, Events event) {
            try {
                switch (event) {
                    case DISCONNECTED -> loop.execute(() -> {
                        if (!stopped && current != null) {
                            state.phase(ServerState.Phase.WAITING);
                            LOG.info("{}: disconnected; jnats reconnects to the cluster's URLs", state.address());
                        }
                    });
                    case RECONNECTED -> loop.execute(() -> {
                        if (!stopped && current != null) {
                            state.reconnecting();
                            state.greeted(loop.ticker().nanoTime());
                            LOG.info("{}: reconnected via {}", state.address(), connection.getConnectedUrl());
                        }
                    });
                    default -> {
                    }
                }
            } catch (RejectedExecutionException stopping) {
                // the agent is gone
            }
        }
    }
}
