package io.fail2bancluster.agent.nats;

import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.nats.StoredMessage;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The connection part of a {@link NatsLink}. It connects through the {@link ClusterClient}, ensures the stream,
 * reads the stored position and subscribes from the one after it. All of these block, so they run on the
 * link's own thread, never the event loop. A cluster that is wholly down is retried after a {@link Backoff}
 * delay scheduled on the loop. Once connected, the client reconnects by itself between the cluster's URLs, and
 * the reading resumes after the last sequence it delivered. This part only follows that in the
 * {@link ServerState}, for {@code status}.
 *
 * <p>On the event loop, except what it hands to the link's thread.
 */
final class StreamConnection {
    private static final Logger LOG = LogManager.getLogger(StreamConnection.class);
    private static final int MAX_ATTEMPT = 62;

    /** What the link does with the subscriptions made here. On the loop. */
    interface Subscriber {
        /** A subscription about to read: its messages come after this. */
        void adopted(Subscription subscription);

        /** Its reading started. */
        void subscribed(Subscription subscription);

        /** One of its messages, in stream order; {@code done} gives its place in the window back. */
        void delivered(Subscription subscription, StoredMessage message, Runnable done);
    }

    private final String stream;
    private final ServerState state;
    private final EventLoop loop;
    private final Backoff backoff;
    private final ClusterClient cluster;
    private final PositionStore positions;
    /** Connects, stream calls, position writes, closes: everything of the link that blocks, in order. */
    private final ExecutorService blocking;
    private final int window;
    private final Subscriber subscriber;
    // loop
    private boolean stopped;
    private int attempt;
    private ScheduledFuture<?> pendingRetry;
    /** The subscription being started or running; null while there is none. */
    private Subscription current;

    StreamConnection(String stream, ServerState state, EventLoop loop, Backoff backoff, ClusterClient cluster,
                     PositionStore positions, ExecutorService blocking, int window, Subscriber subscriber) {
        this.stream = stream;
        this.state = state;
        this.loop = loop;
        this.backoff = backoff;
        this.cluster = cluster;
        this.positions = positions;
        this.blocking = blocking;
        this.window = window;
        this.subscriber = subscriber;
    }

    /** The subscription being started or running, or null. */
    Subscription current() {
        return current;
    }

    /** Starts (or retries) the connect, off the loop. */
    void connect() {
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
            ClusterClient.StreamState info = session.stream();
            String key = PositionStore.key(stream, session.clusterName());
            Subscription subscription = new Subscription(session, key, info.created(),
                    storedPosition(key, info.created()), info.lastSequence());
            // the loop takes it before any of its messages: they are handed to the loop after this
            loop.execute(() -> adopt(subscription));
            subscription.reading(session.subscribe(subscription.startSequence(), window, loop,
                    (message, done) -> subscriber.delivered(subscription, message, done)));
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
                    state.address(), stream, created, stored.get().streamCreated());
            return OptionalLong.empty();
        }
        return stored.map(p -> OptionalLong.of(p.sequence())).orElse(OptionalLong.empty());
    }

    private void adopt(Subscription subscription) {
        if (!stopped) {
            current = subscription;
            subscriber.adopted(subscription);
        }
    }

    private void subscribed(Subscription subscription) {
        if (stopped || current != subscription) {
            closeOffLoop(subscription);
            return;
        }
        attempt = 0;
        state.greeted(loop.ticker().nanoTime());
        LOG.info("{}: subscribed to stream {} via {} from sequence {} ({} to catch up{})", state.address(), stream,
                subscription.session().connectedUrl(), subscription.startSequence(), subscription.toCatchUp(),
                subscription.lastProcessed().isEmpty() ? ", no stored position: only bans in force run" : "");
        subscriber.subscribed(subscription);
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

    /**
     * Stops retrying, and closes the subscription and the connection on the link's thread, after what it was
     * handed before (the last position write). The future completes once they are closed.
     */
    Future<?> stop() {
        stopped = true;
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
        } catch (RejectedExecutionException shutDown) {
            // stop() shut the link's thread down while this subscription was coming up, so stop() did not
            // see it: close it on a thread of its own (a reload that removed the entry must not leave it open)
            Thread closer = new Thread(subscription::close, "fail2ban-nats close " + stream);
            closer.setDaemon(true);
            closer.start();
        }
    }

    /** The client's view of its connection, for status: it reconnects by itself, the link only follows. */
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
