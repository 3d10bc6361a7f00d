package io.fail2bancluster.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Many bans (a blocklist) into a cluster's stream at once: asynchronous publishes over one connection, at most
 * {@code window} waiting for their acknowledgement, each with its own message id, so that a round of retries
 * for the ones not acknowledged stores none twice. Done when every one is acknowledged: the stream has them all.
 * Bans only: an unban's check of what it replaces is {@link BanPublication}'s, one at a time.
 *
 * <p>Not thread-safe: one caller's thread runs {@link #run}; jnats's threads complete the acknowledgements.
 */
public final class BulkPublication {
    /** Publishes waiting for their acknowledgement, at most: enough to keep a link full, bounded in memory. */
    public static final int DEFAULT_WINDOW = 2048;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

    private final StreamSpec spec;
    private final String[] subjects;
    private final byte[][] bodies;
    private final String[] ids;
    private final int window;

    /** What came of it: how many the stream acknowledged, and the last error of those it did not. */
    public record Outcome(int stored, int duplicates, int missing, String lastError) {
        public boolean complete() {
            return missing == 0;
        }
    }

    /**
     * @param messages bans on {@code channel}; each gets the id {@link MessageIds#of} with {@code nonce}
     */
    public BulkPublication(StreamSpec spec, String channel, List<String> messages, byte[] nonce, int window) {
        this.spec = spec;
        this.window = window;
        int n = messages.size();
        subjects = new String[n];
        bodies = new byte[n][];
        ids = new String[n];
        for (int i = 0; i < n; i++) {
            String message = messages.get(i);
            subjects[i] = BanSubjects.subject(spec.name(), channel, message);
            bodies[i] = message.getBytes(StandardCharsets.UTF_8);
            ids[i] = MessageIds.of(channel, message, nonce);
        }
    }

    /**
     * Publishes every message not yet acknowledged, again and again until all are or {@code deadlineNanos}
     * ({@link System#nanoTime()}) passes; {@code acknowledged} counts them as they are.
     *
     * @param timeout for each acknowledgement and each JetStream request
     * @throws StreamConflictException the stream exists with a configuration that does not fit
     */
    public Outcome run(Connection connection, Duration timeout, long deadlineNanos, LongAdder acknowledged)
            throws IOException, JetStreamApiException, StreamConflictException, InterruptedException {
        StreamSetup.ensure(connection, spec, timeout);
        JetStream js = connection.jetStream(JetStreamOptions.builder().requestTimeout(timeout).build());
        List<Integer> pending = new ArrayList<>(subjects.length);
        for (int i = 0; i < subjects.length; i++) {
            pending.add(i);
        }
        LongAdder duplicates = new LongAdder();
        AtomicIntegerArray stored = new AtomicIntegerArray(subjects.length);
        AtomicReference<String> lastError = new AtomicReference<>();
        while (!pending.isEmpty() && System.nanoTime() < deadlineNanos) {
            Semaphore room = new Semaphore(window);
            for (int index : pending) {
                if (!room.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
                PublishOptions options = PublishOptions.builder().messageId(ids[index]).expectedStream(spec.name())
                        .streamTimeout(timeout).build();
                CompletableFuture<PublishAck> ack;
                try {
                    ack = js.publishAsync(subjects[index], null, bodies[index], options);
                } catch (RuntimeException e) {
                    room.release();
                    lastError.set(e.toString());
                    continue;
                }
                ack.whenComplete((done, error) -> {
                    if (error == null) {
                        if (stored.compareAndSet(index, 0, 1)) {
                            acknowledged.increment();
                            if (done.isDuplicate()) {
                                duplicates.increment();
                            }
                        }
                    } else {
                        lastError.set(error.getMessage() == null ? error.toString() : error.getMessage());
                    }
                    room.release();
                });
            }
            // every publish started has its answer (or its own timeout) once all the room is back
            if (!room.tryAcquire(window, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                lastError.compareAndSet(null, "acknowledgements still outstanding at the deadline");
            }
            List<Integer> next = new ArrayList<>();
            for (int index : pending) {
                if (stored.get(index) == 0) {
                    next.add(index);
                }
            }
            pending = next;
            if (!pending.isEmpty() && System.nanoTime() + RETRY_PAUSE.toNanos() < deadlineNanos) {
                Thread.sleep(RETRY_PAUSE.toMillis()); // a node failing over: give it a moment before the next round
            }
        }
        int missing = 0;
        for (int i = 0; i < subjects.length; i++) {
            missing += 1 - stored.get(i);
        }
        return new Outcome(subjects.length - missing, (int) duplicates.sum(), missing, lastError.get());
    }
}
