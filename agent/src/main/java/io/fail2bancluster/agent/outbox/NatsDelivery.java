package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The outbox's side of one NATS cluster: each entry it owes is published into the cluster's stream over the
 * connection its link holds, and confirmed only by JetStream's acknowledgement. jnats blocks while it waits
 * for one, so the publishing runs on this delivery's own thread, in outbox order, never on the event loop;
 * confirmations go back to the {@link Outbox} on the loop.
 *
 * <p>Every attempt of an entry carries one message id, made from the entry itself (its outbox sequence and
 * when it was accepted), so a publish retried after a lost acknowledgement, or again after the agent was
 * killed before it recorded the confirmation, is stored once within the stream's duplicate window.
 *
 * <p>Between failed attempts the thread waits, doubling from {@link #RETRY_MIN} to {@link #RETRY_MAX}: a
 * cluster that is down or refuses is retried until it takes the entry, and the outbox's depth (and its alert)
 * shows that meanwhile. The queue holds each owed entry once, so the outbox's bound is its bound.
 */
public final class NatsDelivery implements OutboxDestination {
    private static final Logger LOG = LogManager.getLogger(NatsDelivery.class);
    static final Duration RETRY_MIN = Duration.ofMillis(100);
    static final Duration RETRY_MAX = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final StreamSpec stream;
    private final Outbox outbox;
    private final EventLoop loop;
    private final LinkedBlockingQueue<OutboxStore.Entry> toPublish = new LinkedBlockingQueue<>();
    private final Thread publisher;
    /** Written on the loop, read by the publisher thread. */
    private volatile Set<String> channels;
    // loop
    private final Set<Long> owed = new HashSet<>();
    // publisher thread
    private final AnnounceSigner signer;
    private volatile Connection connection;
    private volatile boolean stopped;

    /**
     * @param name     how the cluster is named in status and on disk ({@code nats:<stream>@host:port,...})
     * @param channels the channels it carries (from its config entry)
     * @param keys     the signed ones among them, with the key to sign with
     * @param nonces   from {@link FanoutDelivery#nonceSource()}
     */
    public NatsDelivery(String name, StreamSpec stream, Set<String> channels, Map<String, SigningKey> keys,
                        Outbox outbox, EventLoop loop, Clock clock, Random nonces) {
        this.name = name;
        this.stream = stream;
        this.channels = Set.copyOf(channels);
        this.outbox = outbox;
        this.loop = loop;
        this.signer = new AnnounceSigner(keys, clock, nonces);
        this.publisher = new Thread(this::publishAll, "fail2ban-outbox " + name);
        publisher.setDaemon(true);
        publisher.start();
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
            toPublish.add(entry);
        }
    }

    /** A reload's channels: entries on a channel the cluster no longer carries are no longer its to publish. On the loop. */
    public void channels(Set<String> next) {
        channels = Set.copyOf(next);
    }

    /**
     * The connection to publish over, once the link has one; jnats keeps it across reconnects. Any thread.
     */
    public void connected(Connection now) {
        connection = now;
    }

    /** Ends the publishing; what it did not publish stays in the outbox for the next start. Any thread. */
    public void stop() {
        stopped = true;
        publisher.interrupt();
    }

    /** The id every attempt of {@code entry} carries: the same after a restart, another for every entry. */
    static String messageId(OutboxStore.Entry entry) {
        ByteBuffer nonce = ByteBuffer.allocate(Long.BYTES * 3);
        nonce.putLong(entry.sequence()).putLong(entry.accepted().getEpochSecond()).putLong(entry.accepted().getNano());
        return MessageIds.of(entry.channel(), entry.message(), nonce.array());
    }

    private void publishAll() {
        try {
            while (!stopped) {
                OutboxStore.Entry entry = toPublish.take();
                publishUntilStored(entry);
            }
        } catch (InterruptedException stopping) {
            // stop(): what is left waits on disk
        }
    }

    private void publishUntilStored(OutboxStore.Entry entry) throws InterruptedException {
        if (!channels.contains(entry.channel())) {
            return; // a reload took the channel away; the outbox no longer counts on this cluster for it
        }
        String id = messageId(entry);
        long pause = RETRY_MIN.toMillis();
        String lastProblem = null;
        while (!stopped) {
            Connection now = connection;
            if (now != null && now.getStatus() == Connection.Status.CONNECTED) {
                String problem;
                try {
                    // one publication per attempt: a signed entry is signed as it leaves (an entry that waited out
                    // an outage must not arrive with a stale ts), and after a failure the stream is looked up again
                    BanPublication publication = new BanPublication(stream, entry.channel(), signer.wire(entry), id);
                    BanPublication.Stored stored = publication.attempt(now, REQUEST_TIMEOUT);
                    LOG.debug("{}: outbox entry {} stored in {} as sequence {}", name, entry.sequence(),
                            stored.stream(), stored.sequence());
                    confirmOnLoop(entry.sequence());
                    return;
                } catch (IOException e) {
                    problem = "no acknowledgement: " + e.getMessage();
                } catch (JetStreamApiException e) {
                    problem = (BanPublication.isTransient(e) ? "" : "refused: ") + e.getMessage();
                } catch (StreamConflictException e) {
                    problem = e.getMessage();
                }
                if (!problem.equals(lastProblem)) {
                    LOG.warn("{}: outbox entry {} not stored yet ({}); trying again", name, entry.sequence(), problem);
                    lastProblem = problem;
                }
            }
            TimeUnit.MILLISECONDS.sleep(pause);
            pause = Math.min(pause * 2, RETRY_MAX.toMillis());
        }
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
