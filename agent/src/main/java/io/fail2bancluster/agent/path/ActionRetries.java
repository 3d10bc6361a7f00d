package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.util.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The agent's actions that failed and wait for their retry (docs/retries.md), shared by every server's
 * {@link ActionDispatcher}, which runs and schedules them; this keeps what they share:
 * <ul>
 * <li>the {@link Backoff}: {@code [1 s, 2 s]} after the first failure, the ceiling doubling per try up to
 *     {@code action_retry_max}, full jitter, so an action that always fails costs one run per
 *     {@code action_retry_max} at most, never a tight loop;</li>
 * <li>the bound: each one waiting keeps a place in the exec queue ({@link ActionRunner#hold}), so failing
 *     actions count against {@code exec_queue} and a queue full of them stops reading (back-pressure);</li>
 * <li>supersession: the latest action dispatched for each (channel, address); an older one for the same key
 *     is not retried any more (an unban makes a pending ban moot; a new ban, a pending unban);</li>
 * <li>what status and metrics show: actions failing now, retries run, the oldest failure.</li>
 * </ul>
 * On the agent's event loop only.
 */
public final class ActionRetries {
    private final Backoff backoff;
    private final ActionRunner runner;
    /** By order key: the latest action dispatched, while it runs or waits for its retry. */
    private final Map<String, Action> latest = new HashMap<>();
    /** Failing now, in the order they first failed: the first is the oldest. */
    private final Set<Action> failing = new LinkedHashSet<>();
    private long retries;

    /** @param retryMax {@code action_retry_max}: the longest wait between two tries */
    public ActionRetries(ActionRunner runner, Duration retryMax, Random random) {
        this.runner = runner;
        this.backoff = new Backoff(ClusterConfig.ACTION_RETRY_MIN, retryMax, random);
    }

    public ActionRetries(ActionRunner runner, Duration retryMax) {
        this(runner, retryMax, new Random());
    }

    /** One action on its way: its tries, and what to do once it succeeded or is given up. On the loop. */
    static final class Action {
        final Route route;
        final Invocation invocation;
        final String what;
        final Runnable settled;
        final Consumer<ActionResult> succeeded;
        final BooleanSupplier due;
        int tries;
        long firstFailedNanos;
        Instant firstFailedAt;
        Future<?> next;

        Action(Route route, Invocation invocation, String what, Runnable settled, Consumer<ActionResult> succeeded,
               BooleanSupplier due) {
            this.route = route;
            this.invocation = invocation;
            this.what = what;
            this.settled = settled;
            this.succeeded = succeeded;
            this.due = due;
        }
    }

    /**
     * {@code action} is dispatched: the latest for its key. An older one of the same key waiting for its retry
     * is given up at once (its {@code settled} runs), and one still running will not be retried.
     */
    void begin(Action action) {
        String key = action.invocation.orderKey();
        if (key == null) {
            return;
        }
        Action older = latest.put(key, action);
        if (older != null && older.next != null) {
            older.next.cancel(false);
            older.next = null;
            runner.release();
            end(older);
            older.settled.run();
        }
    }

    /** Whether {@code action} is still to be tried again: the latest of its key, and due by its own rule. */
    boolean stillDue(Action action) {
        String key = action.invocation.orderKey();
        return (key == null || latest.get(key) == action) && action.due.getAsBoolean();
    }

    /**
     * {@code action} failed and is to be retried: it keeps a place in the queue; returns the wait before the
     * next try. {@code nowNanos} and {@code now} stamp its first failure.
     */
    Duration failed(Action action, long nowNanos, Instant now) {
        if (failing.add(action)) {
            action.firstFailedNanos = nowNanos;
            action.firstFailedAt = now;
        }
        runner.hold();
        return backoff.delay(Math.max(0, action.tries - 1));
    }

    /** The retry of {@code action} is about to run (or be given up): its place in the queue is given back. */
    void retrying(Action action) {
        action.next = null;
        runner.release();
    }

    /** A retry runs now. */
    void counted() {
        retries++;
    }

    /** {@code action} succeeded, or is given up: it fails no more. */
    void end(Action action) {
        failing.remove(action);
        String key = action.invocation.orderKey();
        if (key != null) {
            latest.remove(key, action);
        }
    }

    /** Actions failing now. */
    public int failingNow() {
        return failing.size();
    }

    /** What status and metrics show. */
    public AgentStatus.Retries status() {
        Optional<Instant> oldest = failing.isEmpty() ? Optional.empty()
                : Optional.of(failing.iterator().next().firstFailedAt);
        return new AgentStatus.Retries(failing.size(), retries, oldest);
    }
}
