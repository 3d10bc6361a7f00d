package io.fail2bancluster.client;

import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.nats.NatsConnections;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Publishes one message to NATS JetStream clusters, one thread per cluster, and counts a cluster as
 * accepted only on JetStream's acknowledgement. Within the deadline it fails over: the connect tries every
 * listed URL, a lost connection is reopened to another server, and a publish without an acknowledgement is
 * sent again with the same message id (see {@link MessageIds}), so the stream stores it once.
 *
 * <p>What one attempt does, unbans included, is {@link BanPublication}'s.
 *
 * <p>Only {@link ClientMain} refers to this class, and only when a NATS cluster is a target: jnats stays
 * unloaded on the fanout path, whose start-up is ban latency.
 */
public final class NatsPublisher {
    /** A connect attempt per URL, and a publish waiting for its acknowledgement, get at most this before a retry. */
    static final Duration ATTEMPT = Duration.ofSeconds(1);
    private static final long RETRY_PAUSE_MILLIS = 50;

    private NatsPublisher() {
    }

    /** Publishes that are running; {@link #await()} collects them by the deadline. */
    static final class Pending {
        private final List<String> names;
        private final Exchange[] exchanges;
        private final AtomicReferenceArray<NatsPublishResult> results;
        private final CountDownLatch done;
        private final long start;
        private final long deadline;

        private Pending(List<String> names, long start, long deadline) {
            this.names = names;
            this.exchanges = new Exchange[names.size()];
            this.results = new AtomicReferenceArray<>(names.size());
            this.done = new CountDownLatch(names.size());
            this.start = start;
            this.deadline = deadline;
        }

        /** One result per cluster, in the order given; a cluster still busy at the deadline has timed out. */
        List<NatsPublishResult> await() {
            try {
                done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<NatsPublishResult> outcome = new ArrayList<>(names.size());
            for (int i = 0; i < names.size(); i++) {
                results.compareAndSet(i, null, new NatsPublishResult(names.get(i), false,
                        exchanges[i].timedOut(), Duration.ofNanos(System.nanoTime() - start)));
                outcome.add(results.get(i));
            }
            return outcome;
        }
    }

    /**
     * Publishes {@code message} on {@code channel} to every cluster and waits for each acknowledgement or
     * failure, at most {@code timeout}.
     *
     * @return one result per cluster, in the order given
     */
    public static List<NatsPublishResult> publish(List<NatsServerConfig> clusters, String channel, String message,
            Duration timeout) {
        return start(clusters, channel, message, timeout).await();
    }

    /** Starts publishing {@code message} on {@code channel} to every cluster; returns at once. */
    static Pending start(List<NatsServerConfig> clusters, String channel, String message, Duration timeout) {
        long start = System.nanoTime();
        List<String> names = new ArrayList<>(clusters.size());
        clusters.forEach(c -> names.add(c.address()));
        Pending pending = new Pending(names, start, start + timeout.toNanos());
        byte[] nonce = MessageIds.newNonce(new SecureRandom());
        for (int i = 0; i < clusters.size(); i++) {
            Exchange exchange = new Exchange(clusters.get(i), channel, message, nonce, pending, i);
            pending.exchanges[i] = exchange;
            Thread thread = new Thread(exchange, "fail2ban-cluster-publish-nats");
            thread.setDaemon(true);
            thread.start();
        }
        return pending;
    }

    /** The whole publish to one cluster: connect, find or create the stream, publish until acknowledged. */
    private static final class Exchange implements Runnable {
        private final NatsServerConfig cluster;
        private final String channel;
        private final String message;
        private final byte[] nonce;
        private final Pending pending;
        private final int slot;
        /** Read by the caller's thread when the deadline passes, for the words of the timeout. */
        private volatile boolean connected;
        private volatile Exception lastError;

        Exchange(NatsServerConfig cluster, String channel, String message, byte[] nonce, Pending pending, int slot) {
            this.cluster = cluster;
            this.channel = channel;
            this.message = message;
            this.nonce = nonce;
            this.pending = pending;
            this.slot = slot;
        }

        @Override
        public void run() {
            Connection connection = null;
            try {
                connection = connect();
                if (connection != null) {
                    publish(connection);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finish(false, "interrupted");
            } catch (RuntimeException e) {
                finish(false, "failed: " + e);
            } finally {
                pending.done.countDown();
                if (connection != null) {
                    try {
                        connection.close();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }

        /** What to say when the deadline passed with this exchange still running. */
        String timedOut() {
            Exception last = lastError;
            return (connected ? "no acknowledgement within the timeout" : "not reachable within the timeout")
                    + (last == null ? "" : ": " + last.getMessage());
        }

        private Connection connect() throws InterruptedException {
            while (remaining().compareTo(Duration.ZERO) > 0) {
                try {
                    Options options = NatsConnections.options(cluster, shorter(ATTEMPT, remaining()),
                                    new NatsConnections.Quiet())
                            .maxReconnects(-1)
                            .reconnectWait(Duration.ofMillis(RETRY_PAUSE_MILLIS))
                            .build();
                    Connection connection = Nats.connect(options);
                    connected = true;
                    return connection;
                } catch (IOException e) {
                    lastError = e;
                    pause();
                } catch (IllegalArgumentException | IllegalStateException e) {
                    // a TLS file that cannot be used, an options check: no retry helps
                    finish(false, "cannot connect: " + e.getMessage());
                    return null;
                }
            }
            finish(false, timedOut());
            return null;
        }

        private void publish(Connection connection) throws InterruptedException {
            BanPublication publication = new BanPublication(
                    new StreamSpec(cluster.stream(), cluster.retention(), cluster.replicas()), channel, message,
                    MessageIds.of(channel, message, nonce));
            while (remaining().compareTo(Duration.ZERO) > 0) {
                try {
                    BanPublication.Stored stored = publication.attempt(connection, shorter(ATTEMPT, remaining()));
                    finish(true, "stored in " + stored.stream() + " as sequence " + stored.sequence()
                            + (stored.how().isEmpty() ? "" : " (" + stored.how() + ")")
                            + " via " + connection.getConnectedUrl());
                    return;
                } catch (IOException e) {
                    // no acknowledgement (a timeout, no responders while a node fails over): the same id again
                    lastError = e;
                    pause();
                } catch (StreamConflictException e) {
                    finish(false, e.getMessage());
                    return;
                } catch (JetStreamApiException e) {
                    if (!BanPublication.isTransient(e)) {
                        finish(false, "refused by JetStream: " + e.getMessage());
                        return;
                    }
                    lastError = e;
                    pause();
                }
            }
            finish(false, timedOut());
        }

        private void finish(boolean accepted, String reason) {
            pending.results.compareAndSet(slot, null, new NatsPublishResult(cluster.address(), accepted, reason,
                    Duration.ofNanos(System.nanoTime() - pending.start)));
        }

        private Duration remaining() {
            return Duration.ofNanos(pending.deadline - System.nanoTime());
        }

        private void pause() throws InterruptedException {
            Thread.sleep(Math.max(0, Math.min(RETRY_PAUSE_MILLIS, remaining().toMillis())));
        }

        private static Duration shorter(Duration a, Duration b) {
            return a.compareTo(b) <= 0 ? a : b;
        }
    }
}
