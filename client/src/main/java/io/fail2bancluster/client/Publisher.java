package io.fail2bancluster.client;

import io.fail2bancluster.config.TlsConfig;
import io.fail2bancluster.protocol.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Announces one message to several fanout servers at once and tells, per server, whether it was
 * accepted (see {@link PublishResult#accepted()}). Plain blocking sockets, one thread per target:
 * the command-line client starts once per ban, and an event loop would cost more start-up time
 * than the whole exchange.
 *
 * <p>Thread-safe and stateless between calls: the load harness calls it concurrently, thousands of
 * times. Every call returns by its deadline (plus scheduling noise), even when a name lookup
 * hangs; sockets still open then are closed, and no thread outlives its exchange for longer than a
 * stuck name lookup.
 */
public final class Publisher {
    private static final byte[] PING = Command.Ping.INSTANCE.toBytes();

    private final Executor executor;

    /** A publisher that runs each exchange on a fresh daemon thread. */
    public Publisher() {
        this(new ThreadPerTask());
    }

    /**
     * A publisher that runs exchanges on {@code executor}. It must run them at once (a queue behind
     * busy threads would eat the deadline) and must not run them on the calling thread, or the
     * deadline could not be kept through a hanging name lookup.
     */
    public Publisher(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Sends {@code announce} then a ping to every target concurrently and waits until each has
     * answered the ping, failed, or {@code timeout} has passed.
     *
     * @return one result per target, in the order of {@code targets}
     */
    public List<PublishResult> publish(List<Target> targets, Command.Announce announce, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        byte[] request = requestBytes(announce);
        long start = System.nanoTime();
        int n = targets.size();
        List<Exchange> exchanges = new ArrayList<>(n);
        AtomicReferenceArray<PublishResult> results = new AtomicReferenceArray<>(n);
        CountDownLatch done = new CountDownLatch(n);
        Map<TlsConfig, ClientTls> tlsContexts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Target target = targets.get(i);
            ClientTls tls;
            try {
                tls = tls(target, tlsContexts);
            } catch (IllegalArgumentException e) {
                exchanges.add(null);
                results.set(i, PublishResult.failed(target, e.getMessage(), Duration.ZERO));
                done.countDown();
                continue;
            }
            Exchange exchange = new Exchange(target, tls, request, start, timeout);
            exchanges.add(exchange);
            try {
                executor.execute(new Task(exchange, results, i, done));
            } catch (RejectedExecutionException e) {
                results.set(i, PublishResult.failed(exchange.target(), "not started: " + e.getMessage(),
                        Duration.ZERO));
                done.countDown();
            }
        }
        awaitDeadline(done, start + timeout.toNanos());

        // whatever has not finished by now fails as a timeout; the first result written wins
        List<PublishResult> outcome = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Exchange exchange = exchanges.get(i);
            if (results.get(i) == null) {
                exchange.abort();
                results.compareAndSet(i, null, exchange.timedOut());
            }
            outcome.add(results.get(i));
        }
        return List.copyOf(outcome);
    }

    /** The target's TLS context, built once per distinct setting (usually one for all servers); null for plain TCP. */
    private static ClientTls tls(Target target, Map<TlsConfig, ClientTls> built) {
        if (target.tls().isEmpty()) {
            return null;
        }
        TlsConfig config = target.tls().get();
        ClientTls tls = built.get(config);
        if (tls == null) {
            tls = ClientTls.of(config);
            built.put(config, tls);
        }
        return tls;
    }

    /** The announce and the ping in one buffer, so one write (and usually one TCP segment) carries both. */
    static byte[] requestBytes(Command.Announce announce) {
        byte[] line = announce.toBytes();
        byte[] request = new byte[line.length + PING.length];
        System.arraycopy(line, 0, request, 0, line.length);
        System.arraycopy(PING, 0, request, line.length, PING.length);
        return request;
    }

    private static void awaitDeadline(CountDownLatch done, long deadlineNanos) {
        try {
            done.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // give up now; the exchanges still running are reported as timed out
            Thread.currentThread().interrupt();
        }
    }

    /** Runs one exchange and records its result unless the caller already gave up on it. */
    private record Task(Exchange exchange, AtomicReferenceArray<PublishResult> results, int slot,
            CountDownLatch done) implements Runnable {
        @Override
        public void run() {
            try {
                results.compareAndSet(slot, null, exchange.run());
            } finally {
                done.countDown();
            }
        }
    }

    /**
     * A fresh daemon thread per exchange: nothing to shut down, nothing that keeps the JVM alive, and
     * cheaper at start-up than a pool (or a lambda, whose first bootstrap costs milliseconds).
     */
    private static final class ThreadPerTask implements Executor {
        @Override
        public void execute(Runnable task) {
            Thread thread = new Thread(task, "fail2ban-cluster-publish");
            thread.setDaemon(true);
            thread.start();
        }
    }
}
