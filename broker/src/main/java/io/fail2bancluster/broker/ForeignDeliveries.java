package io.fail2bancluster.broker;

import io.fail2bancluster.util.FatalErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

/**
 * Deliveries to subscribers that live on other event loops, gathered while one read batch is handled
 * and handed to each of those loops as one task.
 *
 * <p>Why: {@code channel.write} from a foreign thread queues a task per write, and {@code flush} another
 * one, each waking the target loop. An announce to 300 subscribers spread over two loops cost 300 tasks
 * and as many wake-ups; gathered, it costs one task per loop, which writes every line in the order the
 * announces came and then flushes each subscriber once. Lines from one announcer to one subscriber keep
 * their order, as before.
 *
 * <p>Confined to the announcer's event loop. Netty counts a line against the subscriber's write bound
 * ({@link SlowClientGuard}) when the task writes it, microseconds later.
 */
final class ForeignDeliveries {
    private final Map<EventLoop, Batch> batches = new HashMap<>(4);

    /**
     * Queues {@code line} (whose reference this takes) for {@code subscriber}, to be written with
     * {@code promise} on the subscriber's loop; the promise fails if that loop no longer runs tasks.
     */
    void add(Channel subscriber, ByteBuf line, ChannelPromise promise) {
        batches.computeIfAbsent(subscriber.eventLoop(), loop -> new Batch()).add(subscriber, line, promise);
    }

    /** Hands every gathered batch to its loop. A loop that is shutting down gets nothing; its lines are released. */
    void dispatch() {
        if (batches.isEmpty()) {
            return;
        }
        for (Map.Entry<EventLoop, Batch> entry : batches.entrySet()) {
            Batch batch = entry.getValue();
            try {
                entry.getKey().execute(batch);
            } catch (RejectedExecutionException shuttingDown) {
                batch.release();
            }
        }
        batches.clear();
    }

    /** Releases what was gathered and not dispatched (the announcer went away mid-batch). */
    void discard() {
        batches.values().forEach(Batch::release);
        batches.clear();
    }

    /** One loop's share: subscribers, lines and promises side by side, in announce order. */
    private static final class Batch implements Runnable {
        private final List<Channel> subscribers = new ArrayList<>();
        private final List<ByteBuf> lines = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();

        void add(Channel subscriber, ByteBuf line, ChannelPromise promise) {
            subscribers.add(subscriber);
            lines.add(line);
            promises.add(promise);
        }

        @Override
        public void run() {
            try {
                writeAll();
            } catch (Error e) {
                // Netty would only log what a task throws
                FatalErrors.exit(BrokerMain.NAME, e);
            }
        }

        private void writeAll() {
            Set<Channel> written = new LinkedHashSet<>();
            for (int i = 0; i < lines.size(); i++) {
                Channel subscriber = subscribers.get(i);
                // a closed subscriber's write fails and releases the line
                subscriber.write(lines.get(i), promises.get(i));
                written.add(subscriber);
            }
            written.forEach(Channel::flush);
        }

        void release() {
            lines.forEach(ReferenceCountUtil::safeRelease);
            RejectedExecutionException notSent = new RejectedExecutionException("the subscriber's event loop stopped");
            promises.forEach(promise -> promise.tryFailure(notSent));
        }
    }
}
