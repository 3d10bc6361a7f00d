package io.fail2bancluster.client;

import io.fail2bancluster.protocol.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Publishes one announce (or a blocklist's) to several {@link Destination}s at once, one thread each, and tells per destination
 * whether it accepted it by one deadline. Plain blocking code: the command-line client starts once per ban,
 * and an event loop would cost more start-up time than the whole exchange.
 *
 * <p>Thread-safe and stateless between calls: the load harness calls it concurrently, thousands of times.
 * Every call returns by its deadline (plus scheduling noise), even when a name lookup hangs: what has not
 * finished then is reported as timed out, with the step it was in, and what it was blocked on is closed.
 */
public final class Publisher {
    private final Executor executor;

    /** A publisher that runs each destination's publish on a fresh daemon thread. */
    public Publisher() {
        this(new ThreadPerTask());
    }

    /**
     * A publisher that runs each destination's publish on {@code executor}. It must run them at once (a queue
     * behind busy threads would eat the deadline) and must not run them on the calling thread, or the
     * deadline could not be kept through a hanging name lookup.
     */
    public Publisher(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Publishes {@code announce} to every destination concurrently and waits until each has accepted it,
     * failed, or {@code timeout} has passed.
     *
     * @return one result per destination, in the order of {@code destinations}
     */
    public List<PublishResult> publish(List<? extends Destination> destinations, Command.Announce announce,
            Duration timeout) {
        return publish(destinations, List.of(announce), null, timeout);
    }

    /**
     * Publishes {@code announces} (all on one channel) to every destination concurrently, each as fast as it
     * takes them ({@link Destination#publishAll}), and waits until each has accepted all of them, failed, or
     * {@code timeout} has passed.
     *
     * @param sent counts the announces the destinations have accepted, for a progress line
     */
    public List<PublishResult> publishAll(List<? extends Destination> destinations, List<Command.Announce> announces,
            LongAdder sent, Duration timeout) {
        return publish(destinations, announces, Objects.requireNonNull(sent, "sent"), timeout);
    }

    private List<PublishResult> publish(List<? extends Destination> destinations, List<Command.Announce> announces,
            LongAdder sent, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        long start = System.nanoTime();
        int n = destinations.size();
        Deadline[] deadlines = new Deadline[n];
        AtomicReferenceArray<PublishResult> results = new AtomicReferenceArray<>(n);
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            deadlines[i] = new Deadline(start, timeout);
            try {
                executor.execute(new Task(destinations.get(i), announces, sent, deadlines[i], results, i, done));
            } catch (RejectedExecutionException e) {
                results.set(i, PublishResult.failed(destinations.get(i), "not started: " + e.getMessage(),
                        Duration.ZERO));
                done.countDown();
            }
        }
        awaitDeadline(done, start + timeout.toNanos());

        // whatever has not finished by now fails as a timeout; the first result written wins
        List<PublishResult> outcome = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (results.compareAndSet(i, null, PublishResult.failed(destinations.get(i),
                    deadlines[i].timeoutReason(), deadlines[i].elapsed()))) {
                deadlines[i].expire();
            }
            outcome.add(results.get(i));
        }
        return List.copyOf(outcome);
    }

    private static void awaitDeadline(CountDownLatch done, long deadlineNanos) {
        try {
            done.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // give up now; the publishes still running are reported as timed out
            Thread.currentThread().interrupt();
        }
    }

    /** Runs one destination's publish and records its result unless the caller already gave up on it. */
    private record Task(Destination destination, List<Command.Announce> announces, LongAdder sent, Deadline deadline,
            AtomicReferenceArray<PublishResult> results, int slot, CountDownLatch done) implements Runnable {
        @Override
        public void run() {
            try {
                results.compareAndSet(slot, null, sent == null ? destination.publish(announces.get(0), deadline)
                        : destination.publishAll(announces, deadline, sent));
            } catch (RuntimeException e) {
                results.compareAndSet(slot, null, PublishResult.failed(destination, "failed: " + e,
                        deadline.elapsed()));
            } finally {
                done.countDown();
            }
        }
    }

    /**
     * A fresh daemon thread per publish: nothing to shut down, nothing that keeps the JVM alive, and cheaper
     * at start-up than a pool (or a lambda, whose first bootstrap costs milliseconds). Not Netty's
     * DefaultThreadFactory: its threads initialise Netty's logging, which looks for a log4j provider on every
     * ban (and warns on stderr when there is none).
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
