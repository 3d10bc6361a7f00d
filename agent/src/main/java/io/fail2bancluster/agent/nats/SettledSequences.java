package io.fail2bancluster.agent.nats;

import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The stream position that is safe to store: the highest sequence up to which every delivered message is
 * settled (stopped by the message path, or its action succeeded or was given up). Actions finish out of order
 * when several run at once, and a failing one is retried for as long as it takes while those behind it run
 * (docs/retries.md), so the position is just below the oldest message not yet settled, or the last one
 * delivered when all are. Storing only this position means an agent killed while an action waited, ran or
 * failed is given that message again when it starts; a message settled after it may then come again too,
 * which the ledger recognises (and a ban survives: fail2ban answers that the address is already banned).
 *
 * <p>Holds the unsettled messages only: no more than the hand-off window and the failing actions, which the
 * exec queue bounds, however many settle behind a failing one. A sequence the stream never delivered (a
 * message replaced before it was read) is passed over as settled: it cannot come again. Not thread-safe: used on
 * the event loop only.
 */
public final class SettledSequences {
    /** Delivered and not yet settled. */
    private final TreeSet<Long> unsettled = new TreeSet<>();
    private long lastDelivered;
    private long mark;

    /** @param mark the position stored when the subscription started: everything up to it is settled */
    public SettledSequences(long mark) {
        this.mark = mark;
        this.lastDelivered = mark;
    }

    /** A message delivered, in stream order. */
    public void delivered(long sequence) {
        if (sequence <= lastDelivered) {
            throw new IllegalArgumentException("sequence " + sequence + " delivered out of order (mark " + mark
                    + ", last delivered " + lastDelivered + ")");
        }
        lastDelivered = sequence;
        unsettled.add(sequence);
    }

    /**
     * A delivered message settled.
     *
     * @return the new mark when it moved, else empty
     */
    public OptionalLong settled(long sequence) {
        if (!unsettled.remove(sequence)) {
            return OptionalLong.empty(); // settled twice, or before this subscription's mark: nothing new
        }
        long next = unsettled.isEmpty() ? lastDelivered : unsettled.first() - 1;
        if (next <= mark) {
            return OptionalLong.empty();
        }
        mark = next;
        return OptionalLong.of(mark);
    }

    /** The highest sequence up to which everything is settled. */
    public long mark() {
        return mark;
    }

    /** Messages delivered and not yet settled. */
    public int unsettled() {
        return unsettled.size();
    }
}
