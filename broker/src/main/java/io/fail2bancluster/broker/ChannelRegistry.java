package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.ChannelName;
import io.netty.channel.Channel;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who subscribes to which channel, shared by all event loops.
 *
 * <p>Why a concurrent map and not one loop owning the registry: subscribers live on different event
 * loops, and an announce is by far the most frequent operation. With a {@link ConcurrentHashMap} of
 * channel name to a concurrent set, an announce is a lock-free {@code get} and an iteration on the
 * announcer's own loop, with no hop to another thread before the writes. Subscribe and unsubscribe
 * (rare) go through {@code compute}, which locks only that channel's bin, so adding a subscriber can
 * never race with removing the channel's last one. Iteration is weakly consistent: an announce
 * concurrent with a subscribe may or may not reach the newcomer, which is all fanout promises too.
 *
 * <p>A channel exists while it has subscribers; the last unsubscribe removes it (fanout's
 * "current channels" counts the same way).
 */
final class ChannelRegistry {
    private final ConcurrentHashMap<ChannelName, Set<Channel>> subscribers = new ConcurrentHashMap<>();
    private final AtomicInteger subscriptions = new AtomicInteger();

    /**
     * Adds {@code subscriber} to {@code channel}. A duplicate is harmless (a set), but callers keep
     * their own subscriptions and only call this for new ones. {@code compute} applies the function
     * exactly once, so counting inside it is exact.
     */
    void subscribe(ChannelName channel, Channel subscriber) {
        subscribers.compute(channel, (name, set) -> {
            Set<Channel> result = set != null ? set : ConcurrentHashMap.newKeySet();
            if (result.add(subscriber)) {
                subscriptions.incrementAndGet();
            }
            return result;
        });
    }

    /** Removes {@code subscriber} from {@code channel}, and the channel when it was the last one. */
    void unsubscribe(ChannelName channel, Channel subscriber) {
        subscribers.computeIfPresent(channel, (name, set) -> {
            if (set.remove(subscriber)) {
                subscriptions.decrementAndGet();
            }
            return set.isEmpty() ? null : set;
        });
    }

    /** The live set of subscribers of {@code channel}; empty when nobody subscribes. Do not modify. */
    Set<Channel> subscribersOf(ChannelName channel) {
        Set<Channel> set = subscribers.get(channel);
        return set != null ? set : Collections.emptySet();
    }

    int channelCount() {
        return subscribers.size();
    }

    int subscriptionCount() {
        return subscriptions.get();
    }
}
