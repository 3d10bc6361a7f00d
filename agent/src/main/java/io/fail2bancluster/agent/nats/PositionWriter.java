package io.fail2bancluster.agent.nats;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes a link's settled stream position into its {@link PositionStore}. Each position comes in on the loop
 * as it settles, and the write itself runs on the link's thread. It writes at most once per {@link #INTERVAL},
 * the latest position each time, and once more at {@link #close()}.
 *
 * <p>A catch-up or a busy stream settles thousands of messages a second, and each write forces a file and
 * its folder to disk. A fleet's hosts sharing one disk (the load harness) were disk-bound on that. An agent
 * killed with -9 is given again what settled in its last interval: at least once, as a message settled after
 * a gap already is.
 *
 * <p>On the event loop, except the writes.
 */
final class PositionWriter {
    private static final Logger LOG = LogManager.getLogger(PositionWriter.class);
    /** How often the position is written at most. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    /** A position and the file it goes into. */
    private record Pending(String key, StreamPosition position) {
    }

    private final PositionStore store;
    private final EventLoop loop;
    /** The link's thread: its connects, closes and these writes, in order. */
    private final Executor blocking;
    private final String address;
    /** The latest position not yet taken by a write; the link's thread takes it. */
    private final AtomicReference<Pending> unwritten = new AtomicReference<>();
    // loop
    private boolean anyWrite;
    private long lastWriteNanos;
    /** A write waiting for its interval; null when none. */
    private ScheduledFuture<?> waiting;
    private boolean closed;

    /** @param address how logs name the link */
    PositionWriter(PositionStore store, EventLoop loop, Executor blocking, String address) {
        this.store = store;
        this.loop = loop;
        this.blocking = blocking;
        this.address = address;
    }

    /**
     * The position up to which everything is settled moved. A write that is still waiting for its turn, on the
     * loop's timer or on the link's thread, takes this newer position instead.
     *
     * @param key the position file's key ({@link PositionStore#key})
     */
    void settled(String key, StreamPosition position) {
        if (closed) {
            return; // close() wrote what was settled before it; the loop may be going away
        }
        if (unwritten.getAndSet(new Pending(key, position)) != null) {
            return; // a write is already on its way and will take this newer one
        }
        long wait = anyWrite ? lastWriteNanos + INTERVAL.toNanos() - loop.ticker().nanoTime() : 0;
        if (wait > 0) {
            waiting = loop.schedule(this::writeNow, wait, TimeUnit.NANOSECONDS);
        } else {
            writeNow();
        }
    }

    /**
     * At stop. A position waiting for its interval goes to the link's thread now, ahead of what the link hands
     * it next (the connection's close), so the last settled position is kept. Later positions are not written.
     */
    void close() {
        if (waiting != null) {
            waiting.cancel(false);
            writeNow();
        }
        closed = true;
    }

    /** Hands the latest position to the link's thread to write. */
    private void writeNow() {
        waiting = null;
        anyWrite = true;
        lastWriteNanos = loop.ticker().nanoTime();
        try {
            blocking.execute(() -> {
                Pending latest = unwritten.getAndSet(null);
                if (latest == null) {
                    return;
                }
                try {
                    store.write(latest.key(), latest.position());
                } catch (IOException e) {
                    LOG.error("{}: cannot store the stream position {}: {}", address, latest.position().sequence(),
                            e.toString());
                }
            });
        } catch (RejectedExecutionException stopping) {
            unwritten.set(null);
        }
    }
}
