package io.fail2bancluster.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code status} shows about one server, written directly by the handlers and the
 * {@link ServerLink} of that server (the session reports the greeting and every line here). Owned by the agent's event loop: every handler
 * and callback that touches it runs there, so plain fields need no lock. Times are kept as ticker
 * nanos (cheap, and frozen in tests) and turned into wall-clock instants only for a snapshot.
 */
final class ServerState implements SessionHandler.Listener {
    enum Phase {
        CONNECTING("connecting"), CONNECTED("connected"), WAITING("waiting"), STOPPED("stopped");

        final String text;

        Phase(String text) {
            this.text = text;
        }
    }

    private final String address;
    private final long[] counts = new long[Counter.values().length];
    private Phase phase = Phase.CONNECTING;
    private long reconnects;
    private long greetedAtNanos;
    private boolean greeted;
    private long lastLineNanos;
    private boolean anyLine;

    ServerState(String address) {
        this.address = address;
    }

    String address() {
        return address;
    }

    void increment(Counter counter) {
        counts[counter.ordinal()]++;
    }

    long count(Counter counter) {
        return counts[counter.ordinal()];
    }

    void phase(Phase phase) {
        this.phase = phase;
        if (phase != Phase.CONNECTED) {
            greeted = false;
        }
    }

    void reconnecting() {
        reconnects++;
    }

    long reconnects() {
        return reconnects;
    }

    @Override
    public void greeted(long nowNanos) {
        phase = Phase.CONNECTED;
        greeted = true;
        greetedAtNanos = nowNanos;
    }

    /** How long the current connection has been greeted, or empty when it was not. */
    Optional<Duration> greetedFor(long nowNanos) {
        return greeted ? Optional.of(Duration.ofNanos(nowNanos - greetedAtNanos)) : Optional.empty();
    }

    @Override
    public void busy() {
        // Nothing to record: the close that follows was never greeted, so the link counts it as a failed
        // attempt and the backoff keeps growing.
    }

    @Override
    public void lineReceived(long nowNanos) {
        lastLineNanos = nowNanos;
        anyLine = true;
    }

    AgentStatus.ServerStatus snapshot(long nowNanos, Instant now) {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (Counter counter : Counter.values()) {
            counters.put(counter.key(), counts[counter.ordinal()]);
        }
        return new AgentStatus.ServerStatus(
                address,
                phase.text,
                greeted ? Optional.of(wallClock(greetedAtNanos, nowNanos, now)) : Optional.empty(),
                reconnects,
                anyLine ? Optional.of(wallClock(lastLineNanos, nowNanos, now)) : Optional.empty(),
                counters);
    }

    private static Instant wallClock(long thenNanos, long nowNanos, Instant now) {
        return now.minusNanos(nowNanos - thenNanos);
    }
}
