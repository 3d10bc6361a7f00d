package io.fail2bancluster.agent.nats;

import java.time.Instant;
import java.util.Objects;

/**
 * The last message of a stream this host has processed. A stream deleted and created again under the same
 * name starts its sequences over, so the position also names the stream's creation time: a position of
 * another incarnation of the stream is no position at all.
 *
 * @param streamCreated when the stream was created, as its info reports it
 * @param sequence      the last sequence processed
 */
public record StreamPosition(Instant streamCreated, long sequence) {
    public StreamPosition {
        Objects.requireNonNull(streamCreated, "streamCreated");
        if (sequence < 0) {
            throw new IllegalArgumentException("a stream position is 0 or more, got " + sequence);
        }
    }

    /** Whether this position belongs to the stream created at {@code created}. */
    public boolean isOf(Instant created) {
        return streamCreated.equals(created);
    }
}
