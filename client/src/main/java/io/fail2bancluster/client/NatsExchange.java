package io.fail2bancluster.client;

import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.BulkPublication;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.nats.NatsConnections;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The whole publish to one NATS cluster: connect, find or create the stream, publish until acknowledged.
 * Within the deadline it fails over: the connect tries every listed URL, a lost connection is reopened to
 * another server, and a publish without an acknowledgement is sent again with the same message id (see
 * {@link MessageIds}), so the stream stores it once. Retries wait as util's {@link Backoff} says, as every
 * retry of ours does. What one attempt does, unbans included, is {@link BanPublication}'s.
 */
final class NatsExchange {
    /** A connect attempt per URL, and a publish waiting for its acknowledgement, get at most this before a retry. */
    static final Duration ATTEMPT = Duration.ofSeconds(1);
    /** Retries within one publish: the deadline is seconds, so the pauses stay short. */
    static final Duration RETRY_MIN = Duration.ofMillis(50);
    static final Duration RETRY_MAX = Duration.ofMillis(500);

    private final NatsDestination destination;
    private final String channel;
    private final List<String> messages;
    /** Counts a blocklist's acknowledged publishes; null for one publish. */
    private final LongAdder sent;
    private final Deadline deadline;
    private final Backoff backoff = new Backoff(RETRY_MIN, RETRY_MAX);
    private int retries;
    private boolean connected;
    private Exception lastError;
    private String cannotConnect;

    NatsExchange(NatsDestination destination, String channel, String message, Deadline deadline) {
        this(destination, channel, List.of(message), null, deadline);
    }

    /** A blocklist's bans ({@link BulkPublication}), {@code sent} counting those acknowledged. */
    NatsExchange(NatsDestination destination, String channel, List<String> messages, LongAdder sent, Deadline deadline) {
        this.destination = destination;
        this.channel = channel;
        this.messages = messages;
        this.sent = sent;
        this.deadline = deadline;
        describeTimeout();
    }

    PublishResult run() {
        Connection connection = null;
        try {
            connection = connect();
            return connection == null ? failed(cannotConnect != null ? cannotConnect : deadline.timeoutReason())
                    : sent == null ? publish(connection) : publishAll(connection);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        } finally {
            if (connection != null) {
                try {
                    connection.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** A connection, or null when the deadline passed first or no retry can help ({@link #cannotConnect}). */
    private Connection connect() throws InterruptedException {
        while (deadline.remainingMillis() > 0) {
            try {
                Options options = NatsConnections.options(destination.cluster(), shorter(ATTEMPT, deadline.remaining()),
                                new NatsConnections.Quiet())
                        .maxReconnects(-1)
                        .reconnectDelayHandler(tries -> backoff.delay((int) Math.min(tries, 30)))
                        .build();
                Connection connection = Nats.connect(options);
                connected = true;
                describeTimeout();
                return connection;
            } catch (IOException e) {
                retryAfter(e);
            } catch (IllegalArgumentException | IllegalStateException e) {
                // a TLS file that cannot be used, an options check: no retry helps
                cannotConnect = "cannot connect: " + e.getMessage();
                return null;
            }
        }
        return null;
    }

    private StreamSpec spec() {
        return new StreamSpec(destination.cluster().stream(), destination.cluster().retention(),
                destination.cluster().replicas());
    }

    /** Every message published asynchronously, the ones not acknowledged again, until all are or the deadline. */
    private PublishResult publishAll(Connection connection) throws InterruptedException {
        BulkPublication bulk = new BulkPublication(spec(), channel, messages, MessageIds.newNonce(new SecureRandom()),
                BulkPublication.DEFAULT_WINDOW);
        try {
            long deadlineNanos = System.nanoTime() + deadline.remaining().toNanos();
            BulkPublication.Outcome outcome = bulk.run(connection, ATTEMPT.multipliedBy(5), deadlineNanos, sent);
            if (outcome.complete()) {
                return new PublishResult(destination, true, "stored " + outcome.stored() + " in "
                        + destination.cluster().stream() + (outcome.duplicates() > 0 ? " (" + outcome.duplicates()
                        + " already there from an earlier attempt)" : "") + " via " + connection.getConnectedUrl(),
                        deadline.elapsed());
            }
            return failed(outcome.missing() + " of " + messages.size() + " not acknowledged within the timeout"
                    + (outcome.lastError() == null ? "" : ": " + outcome.lastError()));
        } catch (IOException e) {
            return failed("no answer from JetStream: " + e.getMessage());
        } catch (StreamConflictException e) {
            return failed(e.getMessage());
        } catch (JetStreamApiException e) {
            return failed("refused by JetStream: " + e.getMessage());
        }
    }

    private PublishResult publish(Connection connection) throws InterruptedException {
        String message = messages.get(0);
        BanPublication publication = new BanPublication(spec(), channel, message,
                MessageIds.of(channel, message, MessageIds.newNonce(new SecureRandom())));
        while (deadline.remainingMillis() > 0) {
            try {
                BanPublication.Stored stored = publication.attempt(connection, shorter(ATTEMPT, deadline.remaining()));
                return new PublishResult(destination, true, "stored in " + stored.stream() + " as sequence "
                        + stored.sequence() + (stored.how().isEmpty() ? "" : " (" + stored.how() + ")")
                        + " via " + connection.getConnectedUrl(), deadline.elapsed());
            } catch (IOException e) {
                // no acknowledgement (a timeout, no responders while a node fails over): the same id again
                retryAfter(e);
            } catch (StreamConflictException e) {
                return failed(e.getMessage());
            } catch (JetStreamApiException e) {
                if (!BanPublication.isTransient(e)) {
                    return failed("refused by JetStream: " + e.getMessage());
                }
                retryAfter(e);
            }
        }
        return failed(deadline.timeoutReason());
    }

    private void retryAfter(Exception e) throws InterruptedException {
        lastError = e;
        describeTimeout();
        long pause = Math.min(backoff.delay(Math.min(retries++, 30)).toMillis(), deadline.remainingMillis());
        if (pause > 0) {
            Thread.sleep(pause);
        }
    }

    /** What a publish cut off now says: whether the cluster was reached, and the last error. */
    private void describeTimeout() {
        deadline.waitingFor((connected ? "no acknowledgement within the timeout" : "not reachable within the timeout")
                + (lastError == null ? "" : ": " + lastError.getMessage()));
    }

    private PublishResult failed(String reason) {
        return PublishResult.failed(destination, reason, deadline.elapsed());
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
