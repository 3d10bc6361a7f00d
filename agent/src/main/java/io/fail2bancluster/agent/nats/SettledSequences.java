package io.fail2bancluster.agent.nats;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The stream position that is safe to store: the highest sequence up to which every delivered message is
 * settled (stopped by the message path, or its action reported). Actions finish out of order when several
 * run at once, so a message settled early waits here until those before it are settled too. Storing only
 * this position means an agent killed while an action waited or ran is given that message again when it
 * starts; a message settled after the gap may then run a second time, which a ban survives (fail2ban answers
 * that the address is already banned) and which losing the ban would not.
 *
 * <p>Holds one entry per unsettled message: no more than the actions queued and running, which the
 * runner bounds. Not thread-safe: used on the event loop only.
 */
public final class SettledSequences {
    /** Delivered and not yet part of the mark, in delivery order, which is stream order. */
    private final ArrayDeque<Long> open = new ArrayDeque<>();
    private final Set<Long> settledEarly = new HashSet<>();
    private long mark;

    /** @param mark the position stored when the subscription started: everything up to it is settled */
    public SettledSequences(long mark) {
        this.mark = mark;
    }

    /** A message delivered, in stream order. */
    public void delivered(long sequence) {
        Long last = open.peekLast();
        if (sequence <= mark || (last != null && sequence <= last)) {
            throw new IllegalArgumentException("sequence " + sequence + " delivered out of order (mark " + mark
                    + ", last delivered " + last + ")");
        }
        open.addLast(sequence);
    }

    /**
     * A delivered message settled.
     *
     * @return the new mark when it moved, else empty
     */
    public OptionalLong settled(long sequence) {
        Long first = open.peekFirst();
        if (first == null || sequence < first) {
            return OptionalLong.empty(); // settled twice, or before this subscription's mark: nothing new
        }
        if (sequence != first) {
            settledEarly.add(sequence);
            return OptionalLong.empty();
        }
        open.pollFirst();
        mark = sequence;
        while (!open.isEmpty() && settledEarly.remove(open.peekFirst())) {
            mark = open.pollFirst();
        }
        return OptionalLong.of(mark);
    }

    /** The highest sequence up to which everything is settled. */
    public long mark() {
        return mark;
    }

    /** Messages delivered and not yet within the mark. */
    public int unsettled() {
        return open.size();
    }
}
