package io.fail2bancluster.agent.nats;

import io.fail2bancluster.nats.BanSubjects;
import io.fail2bancluster.nats.StoredMessage;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.MessageHandler;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream from a start sequence with an ordered consumer (jnats re-creates it from the last sequence it
 * delivered after a reconnect or a gap, so messages arrive in stream order, each once) and hands every message
 * to a callback on the agent's event loop, never on a jnats thread: jnats's threads never call into a Netty
 * handler.
 *
 * <p>The hand-over is bounded by a {@link HandOffWindow}: at most {@code window} messages are handed over and
 * not yet done with, which counts a message until the callback says it is done (in the agent: until its action
 * reported), not only while it waits on the loop. When the window is full the jnats delivery thread waits (its
 * own thread, never the loop) and jnats's flow control holds the server back, so a catch-up of ten thousand
 * bans arrives as fast as the actions take it, and never fills the exec queue past what the window holds.
 */
public final class StreamSubscriber implements ClusterClient.Reading {
    /**
     * How long one pull stays open. jnats asks the server for an idle heartbeat at half of it and re-creates
     * the ordered consumer, from the sequence after the last it delivered, when heartbeats stop: that is how
     * it finds that the server holding the consumer died. jnats's default (30 s, so about 45 s of silence
     * before the re-create) would hold a fleet's bans back that long after a node dies; 5 s costs a pull
     * request every 5 s per agent and finds a dead node in seconds.
     */
    static final Duration PULL_EXPIRES = Duration.ofSeconds(5);
    private static final ConsumeOptions CONSUME = ConsumeOptions.builder().expiresIn(PULL_EXPIRES.toMillis()).build();

    /** What gets each message, on the loop; it runs {@code done} once it is done with it (on the loop too). */
    @FunctionalInterface
    public interface Handler {
        void accept(StoredMessage message, Runnable done);
    }

    private final MessageConsumer consumer;
    private final Gate gate;

    private StreamSubscriber(MessageConsumer consumer, Gate gate) {
        this.consumer = consumer;
        this.gate = gate;
    }

    /**
     * @param startSequence the first sequence to deliver; 0 or 1 for the whole stream (a host without state)
     * @param window        messages handed over and not yet done with, at most
     * @param onLoop        called on {@code loop}, in stream order, with each message of one of our channels
     */
    public static StreamSubscriber start(Connection connection, String stream, long startSequence, EventLoop loop,
            int window, Handler onLoop) throws IOException, JetStreamApiException {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(onLoop, "onLoop");
        OrderedConsumerConfiguration configuration = new OrderedConsumerConfiguration()
                .filterSubject(BanSubjects.streamSubjects(stream));
        if (startSequence > 1) {
            configuration.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(startSequence);
        } else {
            configuration.deliverPolicy(DeliverPolicy.All);
        }
        OrderedConsumerContext context = connection.getStreamContext(stream).createOrderedConsumer(configuration);
        Gate gate = new Gate(stream, loop, new HandOffWindow(window), onLoop);
        return new StreamSubscriber(context.consume(CONSUME, gate), gate);
    }

    /** Stops the deliveries; a message already handed to the loop still runs there. */
    @Override
    public void close() {
        gate.closed = true;
        consumer.stop();
    }

    /** One message's place in the window, given back once however often the handler says it is done. On the loop. */
    private static final class Done implements Runnable {
        private final HandOffWindow window;
        private boolean given;

        Done(HandOffWindow window) {
            this.window = window;
        }

        @Override
        public void run() {
            if (!given) {
                given = true;
                window.done();
            }
        }
    }

    /** The jnats side: converts, waits for room in the window, hands over. */
    private static final class Gate implements MessageHandler {
        private static final long WAIT_SLICE_MILLIS = 500;

        private final String stream;
        private final EventLoop loop;
        private final HandOffWindow window;
        private final Handler onLoop;
        private volatile boolean closed;

        Gate(String stream, EventLoop loop, HandOffWindow window, Handler onLoop) {
            this.stream = stream;
            this.loop = loop;
            this.window = window;
            this.onLoop = onLoop;
        }

        @Override
        public void onMessage(Message message) throws InterruptedException {
            StoredMessage stored = StoredMessage.of(stream, message);
            if (stored == null) {
                return;
            }
            // a bounded wait in slices, so close() is noticed even while the loop is behind
            while (!window.enter(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
                if (closed || loop.isShuttingDown()) {
                    return;
                }
            }
            Done done = new Done(window);
            try {
                loop.execute(() -> {
                    try {
                        onLoop.accept(stored, done);
                    } catch (RuntimeException | Error e) {
                        done.run(); // a handler that failed is done with it: its place must not be lost
                        throw e;
                    }
                });
            } catch (RejectedExecutionException e) {
                done.run(); // the loop is shutting down: nothing will run anything any more
            }
        }
    }
}
