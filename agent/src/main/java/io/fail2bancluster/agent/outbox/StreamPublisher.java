package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.time.Duration;

/**
 * What a {@link NatsDelivery} needs of its NATS cluster: whether the connection is up, and one attempt to store
 * a message in the stream. This is the seam in place of jnats. The NATS link's session implements it over its
 * jnats connection, which fails over between the cluster's URLs by itself, and the tests give a fake.
 */
public interface StreamPublisher {
    /** Whether an attempt makes sense now: false while jnats is reconnecting. Any thread. */
    boolean isConnected();

    /**
     * One attempt, which blocks until the stream acknowledges or refuses it, or the timeout passes. It is made as
     * a {@link BanPublication}: the stream is found or created, and an unban names what it replaces.
     *
     * @param id      the message id of every attempt of this message
     * @param timeout for each JetStream request of the attempt
     * @throws IOException             no acknowledgement: attempt again
     * @throws JetStreamApiException   refused; {@link BanPublication#isTransient} says whether another may pass
     * @throws StreamConflictException the stream exists with a configuration that does not fit
     */
    BanPublication.Stored publish(StreamSpec stream, String channel, String message, String id, Duration timeout)
            throws IOException, JetStreamApiException, StreamConflictException;
}
