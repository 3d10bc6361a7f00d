package io.fail2bancluster.agent.path;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The nonces of signed messages one server has delivered, each kept for {@code retainNanos} (twice the
 * signature window: a message is accepted while its {@code ts} is within the window either side of now,
 * so that is how long a copy of it could come back). Bounded: past {@code capacity} the oldest nonce is
 * forgotten, which only a key holder can force (nonces are recorded after the signature checked out).
 * Per server, because the same nonce from another server is the redundant copy dedupe handles. Confined
 * to the agent's event loop.
 */
final class NonceCache {
    static final int DEFAULT_CAPACITY = 100_000;

    private final long retainNanos;
    private final int capacity;
    /** Insertion order is arrival order, so expired nonces are always at the head. */
    private final LinkedHashMap<String, Long> seenAt = new LinkedHashMap<>();

    NonceCache(long retainNanos, int capacity) {
        this.retainNanos = retainNanos;
        this.capacity = capacity;
    }

    /** Records the nonce; false when it was already seen within the retention time (a replay). */
    boolean firstSighting(String nonce, long nowNanos) {
        expire(nowNanos);
        if (seenAt.containsKey(nonce)) {
            return false;
        }
        if (seenAt.size() >= capacity) {
            Iterator<String> oldest = seenAt.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        seenAt.put(nonce, nowNanos);
        return true;
    }

    private void expire(long nowNanos) {
        Iterator<Map.Entry<String, Long>> it = seenAt.entrySet().iterator();
        while (it.hasNext() && nowNanos - it.next().getValue() >= retainNanos) {
            it.remove();
        }
    }

    int size() {
        return seenAt.size();
    }
}
