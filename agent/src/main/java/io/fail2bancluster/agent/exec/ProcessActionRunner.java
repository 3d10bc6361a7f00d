package io.fail2bancluster.agent.exec;

import io.fail2bancluster.util.BlockingThreads;
import io.fail2bancluster.util.DrainWaiters;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Decides which action runs when; each one runs as a real process ({@link ActionProcess}: no shell, stderr
 * drained, killed with its children after the timeout).
 *
 * <ul>
 *   <li>At most {@code concurrency} run at once and {@code queue} wait: the agent's transports stop reading
 *       while it is {@link #full()} and go on once it has {@link #whenDrained drained} to half. Past the
 *       bound an invocation is still {@link ActionResult.Dropped dropped} at once, so a caller that does not
 *       hold back cannot pile work up without bound. A failed invocation waiting for its retry keeps its place
 *       ({@link #hold}): failing actions count against the same bound.</li>
 *   <li>Waiting invocations of a batching channel run together when a runner becomes free (see
 *       {@link RunQueue}); each still gets its own outcome.</li>
 * </ul>
 * The caller (the event loop) only ever appends to a lock-free queue and wakes the dispatcher thread,
 * which alone decides what runs next; blocking waits happen on this runner's own threads only. Made by
 * {@link #start}: the constructor starts no thread.
 */
public final class ProcessActionRunner implements ActionRunner {
    /** How much of an action's stderr is kept for the log. */
    public static final int STDERR_HEAD_BYTES = ActionProcess.STDERR_HEAD_BYTES;
    /** The dispatcher is woken for every change; this only bounds its sleep, as every wait here is. */
    private static final long DISPATCHER_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int concurrency;
    private final int queue;
    /** Waiting and running at most: {@code queue + concurrency}; and half of it, where callers go on. */
    private final int bound;
    private final int lowWater;
    private final ActionProcess processes;
    private final ExecutorService workers;

    // handed from callers and workers to the dispatcher
    private final Queue<RunQueue.Pending> intake = new ConcurrentLinkedQueue<>();
    private final Queue<RunQueue.Run> ended = new ConcurrentLinkedQueue<>();
    /** Callers waiting for the queue to drain to {@code lowWater}; the dispatcher calls them. */
    private final DrainWaiters drainWaiters = new DrainWaiters();
    private final AtomicInteger notStarted = new AtomicInteger();
    /** Places kept by failed invocations waiting for their retry ({@link #hold}). */
    private final AtomicInteger held = new AtomicInteger();
    private volatile int runningRuns;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Thread dispatcher;

    // the dispatcher's own
    private final RunQueue waiting = new RunQueue();

    private ProcessActionRunner(int concurrency, int queue, Duration timeout) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must not be negative, got " + queue);
        }
        this.concurrency = concurrency;
        this.queue = queue;
        this.bound = queue + concurrency;
        this.lowWater = bound / 2;
        this.processes = new ActionProcess(Objects.requireNonNull(timeout, "timeout"));
        // never holds more than `concurrency` runs: the dispatcher hands one over only for a free runner
        this.workers = Executors.newFixedThreadPool(concurrency, BlockingThreads.named("fail2ban-exec"));
        this.dispatcher = BlockingThreads.named("fail2ban-exec-dispatch").newThread(this::dispatch);
    }

    /**
     * A runner with its dispatcher thread started; {@link #shutdown} ends every thread it made.
     *
     * @param concurrency actions running at once (at least 1)
     * @param queue       actions waiting for a free slot before new ones are dropped (0: none wait)
     * @param timeout     an action running longer is killed with its children
     */
    public static ProcessActionRunner start(int concurrency, int queue, Duration timeout) {
        ProcessActionRunner runner = new ProcessActionRunner(concurrency, queue, timeout);
        runner.dispatcher.start();
        return runner;
    }

    @Override
    public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
        if (stopping) {
            whenDone.accept(new ActionResult.Dropped(ActionResult.Dropped.SHUTTING_DOWN));
            return;
        }
        // the dispatcher counts a run as running before it stops counting its items as waiting, so the
        // sum never reads low and the bound holds under any interleaving
        if (notStarted.incrementAndGet() + held.get() + runningRuns > bound) {
            int waitingNow = notStarted.decrementAndGet();
            whenDone.accept(new ActionResult.Dropped("exec queue full (" + waitingNow + " waiting, "
                    + runningRuns + " running)"));
            return;
        }
        intake.add(new RunQueue.Pending(invocation, whenDone));
        LockSupport.unpark(dispatcher);
    }

    @Override
    public boolean full() {
        // may read high while the dispatcher starts a run (see run()), never low: the bound holds
        return notStarted.get() + held.get() + runningRuns >= bound;
    }

    @Override
    public void hold() {
        held.incrementAndGet();
    }

    @Override
    public void release() {
        held.decrementAndGet();
        if (!drainWaiters.isEmpty()) {
            LockSupport.unpark(dispatcher); // may be at the low-water mark now: callers waiting for room hear it
        }
    }

    /** Places kept by failed invocations waiting for their retry. */
    public int held() {
        return held.get();
    }

    @Override
    public void whenDrained(Runnable drained) {
        // stopping: nothing will be taken any more, so waiting for room would wait forever
        drainWaiters.add(drained, () -> stopping);
        LockSupport.unpark(dispatcher); // it looks at the waiters on every round
    }

    /** Invocations waiting for a free slot. */
    public int queued() {
        return notStarted.get();
    }

    /** Processes alive right now. */
    public int running() {
        return processes.running();
    }

    @Override
    public CompletableFuture<Void> shutdown(Duration grace) {
        stopDeadlineNanos = System.nanoTime() + grace.toNanos();
        stopping = true;
        LockSupport.unpark(dispatcher);
        return stopped;
    }

    /** The dispatcher thread: takes in new work and ended runs, starts what may start, and ends the runner. */
    private void dispatch() {
        while (true) {
            for (RunQueue.Pending pending; (pending = intake.poll()) != null; ) {
                waiting.add(pending);
            }
            for (RunQueue.Run run; (run = ended.poll()) != null; ) {
                waiting.finished(run);
                runningRuns--;
            }
            if (stopping && System.nanoTime() - stopDeadlineNanos >= 0) {
                stopNow();
                return;
            }
            for (RunQueue.Run run; runningRuns < concurrency && (run = waiting.next()) != null; ) {
                runningRuns++;
                notStarted.addAndGet(-run.items().size());
                workers.execute(new RunTask(run));
            }
            if (!drainWaiters.isEmpty() && (stopping || notStarted.get() + held.get() + runningRuns <= lowWater)) {
                drainWaiters.callAll();
            }
            if (stopping && runningRuns == 0 && waiting.size() == 0 && intake.isEmpty()) {
                stopNow();
                return;
            }
            long sleep = stopping ? Math.min(DISPATCHER_PARK_NANOS, stopDeadlineNanos - System.nanoTime())
                    : DISPATCHER_PARK_NANOS;
            LockSupport.parkNanos(this, Math.max(sleep, 1));
        }
    }

    /**
     * Past the grace: what never started is reported, interrupted workers kill their own process trees
     * (and report them as timed out), and the runner completes once they are gone.
     */
    private void stopNow() {
        drainWaiters.callAll();
        for (RunQueue.Pending pending; (pending = intake.poll()) != null; ) {
            waiting.add(pending);
        }
        for (RunQueue.Pending never : waiting.drain()) {
            notStarted.decrementAndGet();
            never.whenDone().accept(new ActionResult.Dropped(ActionResult.Dropped.SHUTTING_DOWN));
        }
        // a run handed over just before, that no worker had picked up yet, never starts
        for (Runnable never : workers.shutdownNow()) {
            for (RunQueue.Pending pending : ((RunTask) never).run.items()) {
                pending.whenDone().accept(new ActionResult.Dropped(ActionResult.Dropped.SHUTTING_DOWN));
            }
        }
        try {
            if (!workers.awaitTermination(ActionProcess.KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                processes.killAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.close();
        stopped.complete(null);
    }

    /** On a worker: one process for the run, then each invocation it carried hears how it ended. */
    private final class RunTask implements Runnable {
        final RunQueue.Run run;

        RunTask(RunQueue.Run run) {
            this.run = run;
        }

        @Override
        public void run() {
            try {
                ActionResult result = processes.run(run.argv());
                List<RunQueue.Pending> items = run.items();
                for (int i = 0; i < items.size(); i++) {
                    ActionResult share = items.size() == 1 ? result
                            : new ActionResult.Batched(result, run.argv(), items.size(), i);
                    items.get(i).whenDone().accept(share);
                }
            } finally {
                ended.add(run);
                LockSupport.unpark(dispatcher);
            }
        }
    }

}
