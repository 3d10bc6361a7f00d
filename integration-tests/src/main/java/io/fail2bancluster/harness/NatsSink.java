package io.fail2bancluster.harness;

import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * One NATS JetStream cluster: each ban stored in the stream the agents read, accepted on JetStream's
 * acknowledgement, as the client's publish does ({@link BanPublication}, a message id per ban), over one
 * connection that the publishing threads share (jnats's connections are thread-safe), so the figures are
 * the bus's and not a connect per ban.
 */
public final class NatsSink implements BanSink {
    private static final Duration ATTEMPT = Duration.ofSeconds(5);
    private static final int ATTEMPTS = 3;

    private final Connection connection;
    private final StreamSpec stream = new StreamSpec(NatsServerConfig.DEFAULT_STREAM,
            NatsServerConfig.DEFAULT_RETENTION, OptionalInt.empty());
    private final SecureRandom random = new SecureRandom();

    public NatsSink(String urls) {
        try {
            connection = Nats.connect(Options.builder().servers(urls.split(",")).connectionTimeout(ATTEMPT)
                    .maxReconnects(-1).build());
        } catch (IOException e) {
            throw new IllegalStateException("--nats: cannot connect to " + urls + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + urls, e);
        }
    }

    @Override
    public int servers() {
        return 1;
    }

    @Override
    public Outcome publish(String channel, String message) {
        byte[] nonce;
        synchronized (random) {
            nonce = MessageIds.newNonce(random);
        }
        BanPublication publication = new BanPublication(stream, channel, message, MessageIds.of(channel, message, nonce));
        String failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                publication.attempt(connection, ATTEMPT);
                return new Outcome(1, null);
            } catch (IOException e) {
                failure = "no acknowledgement: " + e.getMessage();
            } catch (JetStreamApiException e) {
                failure = "refused: " + e.getMessage();
                if (!BanPublication.isTransient(e)) {
                    break;
                }
            } catch (StreamConflictException e) {
                failure = e.getMessage();
                break;
            }
        }
        return new Outcome(0, connection.getConnectedUrl() + ": " + failure);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
