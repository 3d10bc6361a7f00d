package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSpec;
import io.fail2bancluster.util.Backoff;
import io.fail2bancluster.util.BlockingThreads;
import io.nats.client.JetStreamApiException;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The outbox's side of one NATS cluster. Each entry it owes is published into the cluster's stream through a
 * {@link StreamPublisher} (the connection the cluster's link holds) and is confirmed only by JetStream's
 * acknowledgement. jnats blocks while it waits for one, so the publishing runs on this delivery's own thread,
 * in outbox order, never on the event loop. Confirmations go back to the {@link Outbox} on the loop.
 *
 * <p>Every attempt of an entry carries one message id, made from the entry itself (its outbox sequence and
 * when it was accepted). So a publish retried after a lost acknowledgement is stored once within the stream's
 * duplicate window, and so is one made again after the agent was killed before it recorded the confirmation.
 *
 * <p>A cluster that is down or refuses is retried until it takes the entry. The delay is the agent's one
 * retry policy, a {@link Backoff} from {@link #RETRY_MIN} to {@link #RETRY_MAX} with full jitter. Meanwhile the
 * outbox's depth, and its alert, show what waits. The queue holds each owed entry once, so the outbox's bound is
 * its bound.
 *
 * <p>The thread starts in {@link #start()}, and {@link #close()} ends it. The loop hands it entries as the
 * action runner's dispatcher is handed work: a lock-free queue and an unpark, so the loop never waits on a lock
 * the thread holds. The thread's time is the loop's ticker, so a test brings its own and runs
 * {@link #publishDue()} itself.
 */
public final class NatsDelivery implements OutboxDestination, AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(NatsDelivery.class);
    static final Duration RETRY_MIN = Duration.ofMillis(100);
    static final Duration RETRY_MAX = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Backoff's ceiling stops growing long before this; it only keeps the counter from overflowing. */
    private static final int MAX_ATTEMPT = 62;
    /** From {@link #publishDue()}: no retry is waiting, the thread waits for the next entry. */
    static final long IDLE = Long.MAX_VALUE;

    private final String name;
    private final StreamSpec stream;
    private final Outbox outbox;
    private final EventLoop loop;
    private final Backoff retry;
    /** Written on the loop, read on the publishing thread. */
    private volatile Set<String> channels;
    /** From the loop to the publishing thread. */
    private final ConcurrentLinkedQueue<OutboxStore.Entry> handedOver = new ConcurrentLinkedQueue<>();
    /** The publishing thread; null before {@link #start()}. */
    private volatile Thread publishing;
    private volatile StreamPublisher publisher;
    private volatile boolean closed;
    // loop
    private final Set<Long> owed = new HashSet<>();
    // publishing thread
    private final AnnounceSigner signer;
    private final ArrayDeque<OutboxStore.Entry> toPublish = new ArrayDeque<>();
    /** Failed attempts of the entry at the head of {@link #toPublish}, and what the last one said. */
    private int attempt;
    private String lastProblem;
    /** When the head's next attempt is due, while {@link #retrying}. */
    private long retryAtNanos;
    private boolean retrying;

    /**
     * @param name     how the cluster is named in status and on disk ({@code nats:<stream>@host:port,...})
     * @param channels the channels it carries (from its config entry)
     * @param keys     the signed ones among them, with the key to sign with
     * @param nonces   from {@link FanoutDelivery#nonceSource()}
     */
    public NatsDelivery(String name, StreamSpec stream, Set<String> channels, Map<String, SigningKey> keys,
                        Outbox outbox, EventLoop loop, Clock clock, Random nonces) {
        this(name, stream, channels, keys, outbox, loop, clock, nonces, new Backoff(RETRY_MIN, RETRY_MAX));
    }

    /** @param retry the delay between failed attempts of an entry */
    NatsDelivery(String name, StreamSpec stream, Set<String> channels, Map<String, SigningKey> keys,
                 Outbox outbox, EventLoop loop, Clock clock, Random nonces, Backoff retry) {
        this.name = name;
        this.stream = stream;
        this.channels = Set.copyOf(channels);
        this.outbox = outbox;
        this.loop = loop;
        this.retry = retry;
        this.signer = new AnnounceSigner(keys, clock, nonces);
    }

    /** Starts the publishing thread. Entries offered before wait for it. */
    public void start() {
        if (publishing != null) {
            throw new IllegalStateException(name + ": started twice");
        }
        Thread thread = BlockingThreads.named("fail2ban-outbox " + name).newThread(this::publishUntilClosed);
        publishing = thread;
        thread.start();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> channels() {
        return channels;
    }

    @Override
    public void offer(OutboxStore.Entry entry) {
        if (channels.contains(entry.channel()) && owed.add(entry.sequence())) {
            handedOver.add(entry);
            Thread thread = publishing;
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** A reload's channels: entries on a channel the cluster no longer carries are no longer its to publish. On the loop. */
    public void channels(Set<String> next) {
        channels = Set.copyOf(next);
    }

    /** What to publish through, once the link is connected; jnats keeps it up across reconnects. Any thread. */
    public void connected(StreamPublisher now) {
        publisher = now;
    }

    /** Ends the publishing, interrupting an attempt under way; what it did not publish stays in the outbox for the next start. Any thread. */
    @Override
    public void close() {
        closed = true;
        Thread thread = publishing;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The id every attempt of {@code entry} carries: the same after a restart, another for every entry. */
    static String messageId(OutboxStore.Entry entry) {
        ByteBuffer nonce = ByteBuffer.allocate(Long.BYTES * 3);
        nonce.putLong(entry.sequence()).putLong(entry.accepted().getEpochSecond()).putLong(entry.accepted().getNano());
        return MessageIds.of(entry.channel(), entry.message(), nonce.array());
    }

    /** The publishing thread: publishes what is due, then waits for a retry's time or the next entry. */
    private void publishUntilClosed() {
        while (!closed) {
            long wait = publishDue();
            if (wait == IDLE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /**
     * Takes what the loop handed over, and publishes from the head of the queue until it is empty or an attempt
     * failed. On the publishing thread.
     *
     * @return how long until the next retry is due, or {@link #IDLE} when none waits
     */
    long publishDue() {
        for (OutboxStore.Entry entry; (entry = handedOver.poll()) != null; ) {
            toPublish.addLast(entry);
        }
        if (retrying) {
            long left = retryAtNanos - loop.ticker().nanoTime();
            if (left > 0) {
                return left;
            }
            retrying = false;
        }
        while (!closed) {
            OutboxStore.Entry entry = toPublish.peekFirst();
            if (entry == null) {
                return IDLE;
            }
            // a reload may have taken the channel away: the outbox no longer counts on this cluster for it
            if (!channels.contains(entry.channel()) || attempt(entry)) {
                toPublish.pollFirst();
                attempt = 0;
                lastProblem = null;
                continue;
            }
            Duration delay = retry.delay(attempt);
            attempt = Math.min(attempt + 1, MAX_ATTEMPT);
            retrying = true;
            retryAtNanos = loop.ticker().nanoTime() + delay.toNanos();
            return delay.toNanos();
        }
        return IDLE;
    }

    /** One attempt at the head entry: true once the stream has it. */
    private boolean attempt(OutboxStore.Entry entry) {
        StreamPublisher now = publisher;
        if (now == null || !now.isConnected()) {
            return false; // jnats is reconnecting (or the link is not yet connected): not a problem to report
        }
        String problem;
        try {
            // a signed entry is signed as it leaves: one that waited out an outage must not arrive with a stale ts
            BanPublication.Stored stored = now.publish(stream, entry.channel(), signer.wire(entry), messageId(entry),
                    REQUEST_TIMEOUT);
            LOG.debug("{}: outbox entry {} stored in {} as sequence {}", name, entry.sequence(), stored.stream(),
                    stored.sequence());
            confirmOnLoop(entry.sequence());
            return true;
        } catch (IOException e) {
            problem = "no acknowledgement: " + e.getMessage();
        } catch (JetStreamApiException e) {
            problem = (BanPublication.isTransient(e) ? "" : "refused: ") + e.getMessage();
        } catch (StreamConflictException e) {
            problem = e.getMessage();
        } catch (RuntimeException e) {
            // jnats's unchecked ones (a connection closed under the attempt): tried again, not the end of the thread
            problem = e.toString();
        }
        if (!problem.equals(lastProblem)) {
            LOG.warn("{}: outbox entry {} not stored yet ({}); trying again", name, entry.sequence(), problem);
            lastProblem = problem;
        }
        return false;
    }

    private void confirmOnLoop(long sequence) {
        try {
            loop.execute(() -> {
                if (owed.remove(sequence)) {
                    outbox.confirmed(this, List.of(sequence));
                }
            });
        } catch (RejectedExecutionException stopping) {
            // the next start publishes it again: the message id makes that one store
        }
    }
}
