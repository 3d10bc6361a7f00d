package io.fail2bancluster.agent.nats;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscription of a link to its stream: where it started, what it has been delivered, and up to where all
 * of that is settled. It is made on the link's thread before the subscribe, and from then on lives on the event
 * loop, where jnats's threads hand it each message. Only {@link #close()} runs on the link's thread.
 */
final class Subscription {
    private final ClusterClient.Session session;
    private final String positionKey;
    private final Instant streamCreated;
    private final OptionalLong lastProcessed;
    private final long catchUpEnd;
    /** Set on the link's thread once the subscribe returned; closed there. */
    private volatile ClusterClient.Reading reading;
    private final AtomicBoolean closed = new AtomicBoolean();
    // loop
    private final SettledSequences settling;
    private long processed;

    /**
     * @param positionKey   the position file's key ({@link PositionStore#key})
     * @param streamCreated the stream's creation time, which the positions written are of
     * @param lastProcessed the stored position of this stream; empty for a host without state
     * @param catchUpEnd    the stream's last sequence at subscribe time: up to it, messages are catch-up
     */
    Subscription(ClusterClient.Session session, String positionKey, Instant streamCreated, OptionalLong lastProcessed,
                 long catchUpEnd) {
        this.session = session;
        this.positionKey = positionKey;
        this.streamCreated = streamCreated;
        this.lastProcessed = lastProcessed;
        this.catchUpEnd = catchUpEnd;
        this.processed = lastProcessed.orElse(0);
        this.settling = new SettledSequences(processed);
    }

    ClusterClient.Session session() {
        return session;
    }

    String positionKey() {
        return positionKey;
    }

    OptionalLong lastProcessed() {
        return lastProcessed;
    }

    /** The first sequence to ask the stream for. */
    long startSequence() {
        return lastProcessed.isPresent() ? lastProcessed.getAsLong() + 1 : 1;
    }

    /** Whether {@code sequence} is part of the catch-up rather than live. */
    boolean isCatchUp(long sequence) {
        return sequence <= catchUpEnd;
    }

    /** Catch-up messages still to come (0 once live). */
    long leftToCatchUp() {
        return Math.max(0, catchUpEnd - processed);
    }

    /** Catch-up messages at the start. */
    long toCatchUp() {
        return Math.max(0, catchUpEnd - startSequence() + 1);
    }

    /** The last sequence delivered here. */
    long processed() {
        return processed;
    }

    /** The sequence up to which everything delivered is settled: what the position file holds, or soon will. */
    long settledMark() {
        return settling.mark();
    }

    /**
     * A message delivered, in stream order.
     *
     * @return false for one at or before the last delivered (a redelivery), which must not run twice
     */
    boolean take(long sequence) {
        if (sequence <= processed) {
            return false;
        }
        processed = sequence;
        settling.delivered(sequence);
        return true;
    }

    /** A message taken here is settled; the position to store, when the mark moved. */
    Optional<StreamPosition> settled(long sequence) {
        OptionalLong mark = settling.settled(sequence);
        return mark.isPresent() ? Optional.of(new StreamPosition(streamCreated, mark.getAsLong())) : Optional.empty();
    }

    void reading(ClusterClient.Reading started) {
        reading = started;
    }

    /** Stops the reading and closes the connection, once however often it is called. Blocks: off the loop. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ClusterClient.Reading started = reading;
        if (started != null) {
            started.close();
        }
        session.close();
    }
}
