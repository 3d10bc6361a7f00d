package io.fail2bancluster.agent.status;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code status} shows about one configured server, whatever carries its messages: written
 * directly by what serves it (fanout's link and session handler, or the NATS link: the phase, the greeting,
 * every line) and by its message path (the counters). Owned by the agent's event loop: every handler and
 * callback that touches it runs there, so plain fields need no lock. Times are kept as ticker
 * nanos (cheap, and frozen in tests) and turned into wall-clock instants only for a snapshot.
 */
public final class ServerState {
    public enum Phase {
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
    /** When the connection now up was greeted; meaningful while {@code phase} is {@code CONNECTED}. */
    private long greetedAtNanos;
    private long lastLineNanos;
    private boolean anyLine;
    /** Times a transport of this server stopped reading because the exec queue was full; and how many are stopped now. */
    private long readPauses;
    private int pausedNow;

    public ServerState(String address) {
        this.address = address;
    }

    public String address() {
        return address;
    }

    public void increment(Counter counter) {
        counts[counter.ordinal()]++;
    }

    public long count(Counter counter) {
        return counts[counter.ordinal()];
    }

    public void phase(Phase phase) {
        this.phase = phase;
    }

    public void reconnecting() {
        reconnects++;
    }

    public long reconnects() {
        return reconnects;
    }

    /** The server said hello: the connection is up and usable. */
    public void greeted(long nowNanos) {
        phase = Phase.CONNECTED;
        greetedAtNanos = nowNanos;
    }

    /** How long the current connection has been greeted, or empty when it was not. */
    public Optional<Duration> greetedFor(long nowNanos) {
        return phase == Phase.CONNECTED ? Optional.of(Duration.ofNanos(nowNanos - greetedAtNanos)) : Optional.empty();
    }

    public void lineReceived(long nowNanos) {
        lastLineNanos = nowNanos;
        anyLine = true;
    }

    /** A transport of this server stopped reading: the exec queue is full (back-pressure). */
    public void readsPaused() {
        readPauses++;
        pausedNow++;
    }

    /** It reads again: what it held back has gone to the queue. */
    public void readsResumed() {
        pausedNow--;
    }

    public AgentStatus.ReadPauses readPauses() {
        return new AgentStatus.ReadPauses(readPauses, pausedNow > 0);
    }

    public AgentStatus.ServerStatus snapshot(long nowNanos, Instant now) {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (Counter counter : Counter.values()) {
            counters.put(counter.key(), counts[counter.ordinal()]);
        }
        return new AgentStatus.ServerStatus(
                address,
                phase.text,
                phase == Phase.CONNECTED ? Optional.of(wallClock(greetedAtNanos, nowNanos, now)) : Optional.empty(),
                reconnects,
                anyLine ? Optional.of(wallClock(lastLineNanos, nowNanos, now)) : Optional.empty(),
                counters, Optional.empty(), readPauses());
    }

    private static Instant wallClock(long thenNanos, long nowNanos, Instant now) {
        return now.minusNanos(nowNanos - thenNanos);
    }
}
