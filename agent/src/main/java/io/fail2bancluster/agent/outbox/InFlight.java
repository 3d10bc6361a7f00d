package io.fail2bancluster.agent.outbox;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What one connection has written of the outbox and not yet had confirmed, in the order of the pings that
 * will confirm it. A server answers commands in order, so the answer to a ping confirms every announce
 * written before that ping and nothing after it. Every ping written on the connection is recorded here,
 * the liveness pings too, so an answer is always matched with its own ping.
 *
 * <p>Used on one event loop only; no locking. At most {@code window} entries wait for a confirmation: the
 * sender asks {@link #hasRoom()} before writing the next one.
 */
public final class InFlight {
    private final int window;
    private final Deque<List<Long>> beforeEachPing = new ArrayDeque<>();
    private List<Long> sincePing = new ArrayList<>();
    private int waiting;

    public InFlight(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        this.window = window;
    }

    public boolean hasRoom() {
        return waiting < window;
    }

    /** An announce for outbox entry {@code sequence} was written. */
    public void announced(long sequence) {
        sincePing.add(sequence);
        waiting++;
    }

    /** A ping was written: what was announced before it is confirmed by its answer. */
    public void pinged() {
        beforeEachPing.addLast(sincePing);
        sincePing = new ArrayList<>();
    }

    /** Whether announces wait for a ping that would confirm them. */
    public boolean needsPing() {
        return !sincePing.isEmpty();
    }

    /**
     * The oldest outstanding ping was answered.
     *
     * @return the entries it confirms, in the order they were written (empty for a bare liveness ping)
     */
    public List<Long> answered() {
        List<Long> confirmed = beforeEachPing.pollFirst();
        if (confirmed == null) {
            return List.of();
        }
        waiting -= confirmed.size();
        return confirmed;
    }
}
