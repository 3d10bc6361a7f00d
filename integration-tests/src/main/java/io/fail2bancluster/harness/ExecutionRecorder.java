package io.fail2bancluster.harness;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the fleet executed: per host the set of ban ids that ran (a second run of the same id on the same
 * host is a duplicate), and the publish-to-exec latency of every run. Publisher and agents share this
 * JVM, so the publish's {@code System.nanoTime()} carried in the message is comparable to ours.
 * Ids from {@code measuredBans} on belong to the warm-up: checked for duplicates like the others, but
 * counted apart and kept out of the latency figures.
 */
public final class ExecutionRecorder {
    private final BitSet[] executedByHost;
    private final LatencyHistogram latency = new LatencyHistogram();
    private final AtomicLong executions = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final AtomicLong warmupExecutions = new AtomicLong();
    private final int measuredBans;
    /** Per measured ban: the longest publish-to-exec time over the hosts, i.e. until the last host ran it. */
    private final AtomicLongArray lastHostMicros;

    /** @param ids every ban id the run publishes: the measured ones, then the warm-up's */
    public ExecutionRecorder(int hosts, int measuredBans, int ids) {
        this.measuredBans = measuredBans;
        this.lastHostMicros = new AtomicLongArray(measuredBans);
        executedByHost = new BitSet[hosts];
        for (int i = 0; i < hosts; i++) {
            // sized for every id up front: grown one word at a time, 300 hosts' sets were 5% of the loop's samples
            executedByHost[i] = new BitSet(ids);
        }
    }

    /** One action ran on {@code host} for ban {@code id}, published at {@code publishedNanos}. */
    public void executed(int host, int id, long publishedNanos, long nowNanos) {
        boolean warmup = id >= measuredBans;
        (warmup ? warmupExecutions : executions).incrementAndGet();
        BitSet seen = executedByHost[host];
        boolean again;
        synchronized (seen) {
            again = seen.get(id);
            seen.set(id);
        }
        if (again) {
            duplicates.incrementAndGet();
        }
        if (!warmup) {
            long micros = (nowNanos - publishedNanos) / 1_000;
            latency.record(micros);
            lastHostMicros.accumulateAndGet(id, micros, Math::max);
        }
    }

    /** An action whose argv did not carry a ban id and timestamp: a harness bug, reported, never hidden. */
    public void unreadable() {
        unreadable.incrementAndGet();
    }

    public long executions() {
        return executions.get();
    }

    public long warmupExecutions() {
        return warmupExecutions.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long unreadableCount() {
        return unreadable.get();
    }

    public LatencyHistogram latency() {
        return latency;
    }

    /** Per measured ban that ran anywhere: from its publish (an attempt run's deciding report) to the last host's run. */
    public LatencyHistogram untilLastHost() {
        LatencyHistogram last = new LatencyHistogram();
        for (int id = 0; id < lastHostMicros.length(); id++) {
            long micros = lastHostMicros.get(id);
            if (micros > 0) {
                last.record(micros);
            }
        }
        return last;
    }
}
