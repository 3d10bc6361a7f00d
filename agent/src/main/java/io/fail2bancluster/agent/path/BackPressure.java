package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.util.QueueBound;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Where a transport hands its messages to the {@link MessagePath} when the exec queue is the bound (with
 * {@code enforce: nftables}, the exec queue and the nftables writer's: {@link QueueBound#either}): while the
 * {@link ActionRunner} has room, a message goes on at once; once it is {@link ActionRunner#full() full}, this
 * message and every later one are held here, in arrival order, and the transport is told to stop reading
 * ({@link Reads#pause}). When the runner has {@link ActionRunner#whenDrained drained} to half, the held ones
 * go on first, as long as there is room, and then the transport reads again. Nothing is dropped: the burst
 * waits in the server and in TCP's windows.
 *
 * <p>What is held is bounded by what the transport can bring after it was told to stop: for a fanout
 * connection, the lines of the read in progress (Netty stops its read loop once {@code autoRead} is off, but
 * the buffer already read is decoded to its end: at most one read, 64 KiB); for a NATS link, its hand-off
 * window, which a held message keeps its place in.
 *
 * <p>One per fanout connection or NATS link, on the agent's event loop; it counts its pauses in the server's
 * {@link ServerState}. A closed connection's held messages still go on when there is room: they were read.
 */
public final class BackPressure {
    private static final Logger LOG = LogManager.getLogger(BackPressure.class);

    /** How a transport stops and starts reading. Called on the loop; {@code pause} also while paused. */
    public interface Reads {
        void pause();

        void resume();
    }

    /** For a transport that holds itself once what it handed over is held here (a NATS link's window). */
    public static final Reads HELD_BY_WINDOW = new Reads() {
        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }
    };

    private final ServerState state;
    private final QueueBound runner;
    private final EventLoop loop;
    private final Reads reads;
    private final Rejections errors;
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private boolean paused;
    /** A {@link ActionRunner#whenDrained} call is outstanding: at most one at a time. */
    private boolean awaitingRoom;

    BackPressure(ServerState state, QueueBound runner, EventLoop loop, Reads reads) {
        this.state = state;
        this.runner = runner;
        this.loop = loop;
        this.reads = reads;
        this.errors = new Rejections(state, Counter.ERRORS);
    }

    /**
     * One message: {@code delivery} hands it to the path, now if the queue has room and nothing is held,
     * else once the queue has drained and the messages held before it went on. On the loop.
     */
    public void offer(Runnable delivery) {
        if (paused || runner.full()) {
            held.add(delivery);
            pause();
            return;
        }
        delivery.run();
    }

    /** Whether reading is stopped now. */
    public boolean paused() {
        return paused;
    }

    /** Messages held now. */
    public int held() {
        return held.size();
    }

    private void pause() {
        if (!paused) {
            paused = true;
            state.readsPaused();
            LOG.debug("{}: the exec queue is full; reading stops until it has drained to half", state.address());
        }
        reads.pause();
        awaitRoom();
    }

    private void awaitRoom() {
        if (awaitingRoom) {
            return;
        }
        awaitingRoom = true;
        runner.whenDrained(() -> {
            try {
                loop.execute(this::drained);
            } catch (RejectedExecutionException loopGone) {
                // the agent is stopping: what is held was read but never ran, as an action still queued
            }
        });
    }

    /**
     * The queue is down to half: the held messages go on, oldest first, while there is room; then reading, if
     * there is room still (else the next read would only be held again).
     */
    private void drained() {
        awaitingRoom = false;
        while (true) {
            if (runner.full()) {
                awaitRoom();
                return;
            }
            Runnable next = held.poll();
            if (next == null) {
                break;
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                // as fanout's last handler does for a message handed over at once: counted, and the rest go on
                long count = errors.record(loop.ticker().nanoTime());
                if (count > 0) {
                    LOG.error("{}: a handler failed on a held message ({} such error(s) since the last report)",
                            state.address(), count, e);
                }
            }
        }
        if (paused) {
            paused = false;
            state.readsResumed();
            reads.resume();
            LOG.debug("{}: the exec queue has drained; reading again", state.address());
        }
    }
}
