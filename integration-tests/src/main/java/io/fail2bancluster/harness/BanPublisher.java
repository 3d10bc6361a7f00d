package io.fail2bancluster.harness;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes bans at a steady rate into a {@link BanSink} (fanout servers or a NATS cluster), in this process. Ban {@code n}
 * is {@code jail=sshd, action=banip, ip=10.x.y.z, id=n, t=<System.nanoTime() just before publishing>}.
 * A pacer thread hands each ban to a worker at its due time, so one slow publish does not hold back the
 * next; a publisher that cannot keep up shows as a lower achieved rate, not as a burst later.
 */
public final class BanPublisher {
    /** How long the last publishes may take after the last one was due. */
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);

    /** The text of message {@code id}, published at {@code nanos}. */
    @FunctionalInterface
    public interface Messages {
        String text(int id, long publishedNanos);
    }

    private final BanSink sink;
    private final String channel;
    private final Messages messages;
    private final ExecutorService workers;
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger fullyPublished = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();

    public BanPublisher(BanSink sink, String channel, int rate) {
        this(sink, channel, rate, BanPublisher::message);
    }

    /** Publishes {@code messages} instead of bans (the load test's attempts). */
    public BanPublisher(BanSink sink, String channel, int rate, Messages messages) {
        this.sink = sink;
        this.channel = channel;
        this.messages = messages;
        this.workers = Executors.newFixedThreadPool(Math.max(4, Math.min(64, rate / 25)), daemons("loadtest-publish-"));
    }

    static String message(int id, long publishedNanos) {
        return "jail=sshd, action=banip, ip=10." + (id >>> 16 & 255) + "." + (id >>> 8 & 255) + "." + (id & 255)
                + ", id=" + id + ", t=" + publishedNanos;
    }

    /**
     * Publishes {@code bans} bans, ids {@code firstId} on, at {@code rate} per second; returns when every
     * publish has finished. A publisher publishes once.
     */
    public void publish(int firstId, int bans, int rate) throws InterruptedException {
        long start = System.nanoTime();
        double interval = 1e9 / rate;
        for (int id = firstId; id < firstId + bans; id++) {
            long due = start + (long) ((id - firstId) * interval);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            int ban = id;
            workers.execute(() -> publishOne(ban));
        }
        workers.shutdown();
        workers.awaitTermination(bans / rate + PUBLISH_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
    }

    private void publishOne(int id) {
        String message = messages.text(id, System.nanoTime());
        BanSink.Outcome outcome = sink.publish(channel, message);
        if (outcome.firstFailure() != null) {
            firstFailure.compareAndSet(null, outcome.firstFailure());
        }
        accepted.addAndGet(outcome.accepted());
        if (outcome.accepted() == sink.servers()) {
            fullyPublished.incrementAndGet();
        }
        done.incrementAndGet();
    }

    /** Bans whose publish has finished, however it went. */
    int done() {
        return done.get();
    }

    /** Bans every server accepted. */
    public int published() {
        return fullyPublished.get();
    }

    /** Server acceptances over all bans: each is one copy every host should receive. */
    public long accepted() {
        return accepted.get();
    }

    /** The first failed publish, for the report; null when none failed. */
    public String firstFailure() {
        return firstFailure.get();
    }

    static ThreadFactory daemons(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
