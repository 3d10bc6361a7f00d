package io.fail2bancluster.agent.nats;

import io.fail2bancluster.agent.outbox.StreamPublisher;
import io.fail2bancluster.nats.StreamConflictException;
import io.nats.client.JetStreamApiException;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Instant;

/**
 * Everything a {@link NatsLink} does with its NATS cluster, and nothing more: the seam in place of JetStream.
 * {@link JnatsClusterClient} implements it over jnats; the tests give a fake that delivers what they say.
 * The calls block (jnats waits for the server), so the link makes them on its own thread, never on the event
 * loop.
 */
public interface ClusterClient {
    /**
     * Connects to one of the cluster's URLs. Once connected, the connection reconnects by itself, and says so to
     * {@code events}.
     */
    Session connect(Events events) throws IOException, InterruptedException;

    /** What the connection reports after it came up. Called on the client's threads; must not block. */
    interface Events {
        /** Lost the server; reconnecting to the cluster's URLs. */
        void disconnected();

        /** Connected again, maybe to another URL. */
        void reconnected();
    }

    /** What the link's subscribe needs of the stream: which incarnation it is, and where it ends now. */
    record StreamState(Instant created, long lastSequence) {
    }

    /** A subscription's reading, until it is closed. */
    interface Reading extends AutoCloseable {
        /** Stops the deliveries; a message already handed to the loop still runs there. */
        @Override
        void close();
    }

    /** One connection to the cluster. The outbox's delivery publishes through it too. */
    interface Session extends StreamPublisher {
        /** Finds the stream, creating it on first use; one that exists with a configuration that does not fit is an error. */
        StreamState stream() throws IOException, JetStreamApiException, StreamConflictException;

        /** The name of the cluster of the server connected to; null or empty outside a cluster. */
        String clusterName();

        /** The URL connected to now, or null. Any thread. */
        String connectedUrl();

        /**
         * Reads the stream from {@code startSequence} (0 or 1: all of it), in stream order, each message once.
         * Each message of one of the stream's channels goes to {@code handler} on {@code loop}, and at most
         * {@code window} of them are handed over and not yet done with.
         */
        Reading subscribe(long startSequence, int window, EventLoop loop, StreamSubscriber.Handler handler)
                throws IOException, JetStreamApiException;

        /** Closes the connection. */
        void close();
    }
}
