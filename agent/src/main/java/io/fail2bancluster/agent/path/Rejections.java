package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.util.LogThrottle;

/**
 * The one way a step of the message path turns a message down: it is counted under its counter at once,
 * and a warning about it is due at most once per {@link LogThrottle#DEFAULT_INTERVAL_NANOS}, carrying how
 * many were turned down since the last one. A flood of bad messages then costs one log line per interval.
 * One per kind of rejection and server, on the agent's event loop.
 */
public final class Rejections {
    private final ServerState state;
    private final Counter counter;
    private final LogThrottle throttle = new LogThrottle();

    public Rejections(ServerState state, Counter counter) {
        this.state = state;
        this.counter = counter;
    }

    /**
     * Counts one rejection at {@code nowNanos}. Returns how many rejections the warning logged now should
     * report (this one and those since the last warning), or 0 when no warning is due yet.
     */
    public long record(long nowNanos) {
        state.increment(counter);
        return throttle.record(nowNanos);
    }
}
