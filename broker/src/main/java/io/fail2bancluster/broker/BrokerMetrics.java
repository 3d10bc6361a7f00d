package io.fail2bancluster.broker;

import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind fanout's {@code info}, updated from every event loop. Totals are
 * {@link LongAdder}s (written often, read rarely); the connection count is an atomic because
 * admission must check and take a slot in one step.
 */
final class BrokerMetrics {
    private final Ticker ticker;
    private final long startedNanos;
    private final int clientLimit;
    private final OpenFilesLimit openFiles;
    private final ChannelRegistry registry;
    private final DeliveryBudget budget;

    private final AtomicInteger currentConnections = new AtomicInteger();
    private final AtomicInteger maxConnections = new AtomicInteger();
    private final LongAdder totalConnections = new LongAdder();
    private final LongAdder rejectedConnections = new LongAdder();
    private final LongAdder announcements = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final LongAdder subscribes = new LongAdder();
    private final LongAdder unsubscribes = new LongAdder();
    private final LongAdder pings = new LongAdder();
    private final LongAdder slowClientsClosed = new LongAdder();

    BrokerMetrics(Ticker ticker, int clientLimit, OpenFilesLimit openFiles, ChannelRegistry registry,
            DeliveryBudget budget) {
        this.budget = budget;
        this.ticker = ticker;
        this.startedNanos = ticker.nanoTime();
        this.clientLimit = clientLimit;
        this.openFiles = openFiles;
        this.registry = registry;
    }

    /**
     * Takes a connection slot, or returns false (and counts a rejection) when {@code clientLimit}
     * connections are already open. Check and increment are one CAS, so two loops accepting at the
     * same moment cannot both take the last slot.
     */
    boolean tryOpenConnection() {
        while (true) {
            int current = currentConnections.get();
            if (clientLimit > 0 && current >= clientLimit) {
                rejectedConnections.increment();
                return false;
            }
            if (currentConnections.compareAndSet(current, current + 1)) {
                maxConnections.accumulateAndGet(current + 1, Math::max);
                totalConnections.increment();
                return true;
            }
        }
    }

    void connectionClosed() {
        currentConnections.decrementAndGet();
    }

    /** {@code announces} that each reached {@code subscribers} (fanout counts neither when nobody got it). */
    void announced(int announces, int subscribers) {
        announcements.add(announces);
        messages.add((long) announces * subscribers);
    }

    void subscribed() {
        subscribes.increment();
    }

    void unsubscribed() {
        unsubscribes.increment();
    }

    void pinged() {
        pings.increment();
    }

    void slowClientClosed() {
        slowClientsClosed.increment();
    }

    BrokerStats snapshot() {
        // fanout reports the limit it computed from the open-files limit when none was given;
        // the open-files limit is likewise what bounds us then.
        long reportedLimit = clientLimit > 0 ? clientLimit : Math.max(openFiles.soft(), 0);
        return new BrokerStats(
                Duration.ofNanos(ticker.nanoTime() - startedNanos),
                reportedLimit,
                rejectedConnections.sum(),
                openFiles.soft(),
                openFiles.hard(),
                maxConnections.get(),
                currentConnections.get(),
                registry.channelCount(),
                registry.subscriptionCount(),
                totalConnections.sum(),
                announcements.sum(),
                messages.sum(),
                subscribes.sum(),
                unsubscribes.sum(),
                pings.sum(),
                slowClientsClosed.sum(),
                budget.pauses(),
                budget.reservedBytes(),
                budget.bytes());
    }
}
