package io.fail2bancluster.agent.path;

import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Decides which copies of a message run when several servers carry the same channel.
 *
 * <p>Within the window, each server's copies of a (channel, message) are counted; a copy from server S
 * runs only if S's count now exceeds every other server's count. One publish through three servers
 * arrives as three copies, each server's count goes to 1, and only the first copy runs. Three
 * publishes of the same text (ban, unban, ban) make some server's count reach 1, 2 and 3 in turn, so
 * all three run however the copies interleave.
 *
 * <p>The window slides: an entry lives until no copy of it arrived for {@code window}, so a late server
 * still finds the entry while the message keeps coming. The number of entries is capped; a flood of
 * distinct messages evicts the oldest (they can then run once more, which is the safe direction: a
 * repeated ban is absorbed by fail2ban, a lost one is not).
 *
 * <p>A channel that only one server carries needs no memory at all: every copy comes from that server,
 * whose count always exceeds the others' zero, so every copy runs. Told which channels several servers
 * carry ({@link #redundantChannels}), it remembers only theirs; that keeps a single-server agent's heap
 * free of a window's worth of messages.
 *
 * <p>Not thread-safe: it lives on the agent's event loop. A zero window turns it off.
 */
public final class Deduplicator {
    static final int DEFAULT_MAX_ENTRIES = 65_536;

    private final long windowNanos;
    private final int maxEntries;
    private final LinkedHashMap<String, Copies> entries;
    private long evicted;
    /** The channels more than one server carries; null until told: then every channel may be. */
    private Set<String> redundantChannels;

    public Deduplicator(Duration window, int maxEntries) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must not be negative, got " + window);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.windowNanos = window.toNanos();
        this.maxEntries = maxEntries;
        // Access order: a copy moves its entry to the tail, so the head is always the next to expire.
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Copies> eldest) {
                if (size() > Deduplicator.this.maxEntries) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    public Deduplicator(Duration window) {
        this(window, DEFAULT_MAX_ENTRIES);
    }

    public boolean enabled() {
        return windowNanos > 0;
    }

    /** Only copies on these channels can be redundant; the others run without being remembered. */
    public void redundantChannels(Set<String> channels) {
        redundantChannels = Set.copyOf(channels);
    }

    /** Records a copy of {@code message} on {@code channel} from server {@code server}; true when it should run. */
    boolean admit(int server, String channel, String message, long nowNanos) {
        if (windowNanos == 0 || redundantChannels != null && !redundantChannels.contains(channel)) {
            return true;
        }
        expire(nowNanos);
        // A channel never contains '!', so this key is unambiguous.
        String key = channel + '!' + message;
        Copies copies = entries.get(key);
        if (copies == null) {
            copies = new Copies();
            entries.put(key, copies);
        }
        copies.lastSeenNanos = nowNanos;
        return copies.add(server);
    }

    private void expire(long nowNanos) {
        Iterator<Copies> oldestFirst = entries.values().iterator();
        while (oldestFirst.hasNext()) {
            if (nowNanos - oldestFirst.next().lastSeenNanos < windowNanos) {
                return;
            }
            oldestFirst.remove();
        }
    }

    public int size() {
        return entries.size();
    }

    /** Entries pushed out by the cap before their window ended. */
    long evicted() {
        return evicted;
    }

    /** Per-server copy counts of one message; a handful of servers, so two small parallel arrays. */
    private static final class Copies {
        private int[] servers = new int[2];
        private int[] counts = new int[2];
        private int size;
        long lastSeenNanos;

        boolean add(int server) {
            int mine = -1;
            int othersMax = 0;
            for (int i = 0; i < size; i++) {
                if (servers[i] == server) {
                    mine = i;
                } else {
                    othersMax = Math.max(othersMax, counts[i]);
                }
            }
            if (mine < 0) {
                if (size == servers.length) {
                    servers = Arrays.copyOf(servers, size * 2);
                    counts = Arrays.copyOf(counts, size * 2);
                }
                mine = size++;
                servers[mine] = server;
            }
            return ++counts[mine] > othersMax;
        }
    }
}
