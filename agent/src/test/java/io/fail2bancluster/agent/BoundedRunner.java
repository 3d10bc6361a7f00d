package io.fail2bancluster.agent;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A runner with a bound, as {@code ProcessActionRunner} has, whose actions end only when the test says: it is
 * full at {@code bound} actions not yet ended, and calls its drain waiters (on the test's thread) once
 * {@link #finish} has brought it down to half. Past the bound it drops, as the real one does.
 */
public final class BoundedRunner implements ActionRunner {
    private final int bound;
    /** Invocations accepted and not yet finished, oldest first. */
    public final List<Invocation> pending = new ArrayList<>();
    /** Every invocation accepted, in order. */
    public final List<Invocation> accepted = new ArrayList<>();
    private final List<Consumer<ActionResult>> outcomes = new ArrayList<>();
    private final List<Runnable> drainWaiters = new ArrayList<>();
    public int dropped;
    /** Places kept by failed actions waiting for their retry. */
    public int held;

    public BoundedRunner(int bound) {
        this.bound = bound;
    }

    @Override
    public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
        if (full()) {
            dropped++;
            whenDone.accept(new ActionResult.Dropped("exec queue full"));
            return;
        }
        pending.add(invocation);
        accepted.add(invocation);
        outcomes.add(whenDone);
    }

    @Override
    public boolean full() {
        return pending.size() + held >= bound;
    }

    @Override
    public void hold() {
        held++;
    }

    @Override
    public void release() {
        held--;
    }

    /** The {@code count} oldest actions end with exit 1 (their retries then hold their places). */
    public void fail(int count) {
        for (int i = 0; i < count; i++) {
            pending.remove(0);
            outcomes.remove(0).accept(new ActionResult.Exited(1, Duration.ZERO, ""));
        }
    }

    @Override
    public void whenDrained(Runnable drained) {
        drainWaiters.add(drained);
    }

    /** Drain waiters registered and not yet called. */
    public int waiting() {
        return drainWaiters.size();
    }

    /** The {@code count} oldest actions end with exit 0; waiters are called once half the bound is reached. */
    public void finish(int count) {
        for (int i = 0; i < count; i++) {
            pending.remove(0);
            outcomes.remove(0).accept(new ActionResult.Exited(0, Duration.ZERO, ""));
        }
        if (pending.size() + held <= bound / 2) {
            List<Runnable> called = new ArrayList<>(drainWaiters);
            drainWaiters.clear();
            called.forEach(Runnable::run);
        }
    }

    @Override
    public CompletableFuture<Void> shutdown(Duration grace) {
        return CompletableFuture.completedFuture(null);
    }

    /** The last argument of every invocation accepted, in order (the address of the sample route). */
    public List<String> lastArguments() {
        return accepted.stream().map(i -> i.argv().get(i.argv().size() - 1)).toList();
    }
}
