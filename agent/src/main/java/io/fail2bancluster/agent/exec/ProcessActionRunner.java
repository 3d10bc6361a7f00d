package io.fail2bancluster.agent.exec;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs actions as real processes, never through a shell: {@code new ProcessBuilder(argv)}, so a value
 * in the message can only ever be one argument.
 *
 * <ul>
 *   <li>At most {@code concurrency} run at once and {@code queue} wait; past that an invocation is
 *       {@link ActionResult.Dropped dropped} at once, so a flood cannot pile up without bound.</li>
 *   <li>Waiting invocations of a batching channel run together when a runner becomes free (see
 *       {@link RunQueue}); each still gets its own outcome.</li>
 *   <li>After {@code timeout} the process and every descendant are killed ({@code SIGKILL}).</li>
 *   <li>stdout goes to {@code /dev/null} and stdin comes from it; stderr is drained to its end by a
 *       helper thread that keeps the first KiB for the log, so a chatty action can never block on a full
 *       pipe.</li>
 * </ul>
 * The caller (the event loop) only ever appends to a lock-free queue and wakes the dispatcher thread,
 * which alone decides what runs next; blocking waits happen on this runner's own threads only.
 */
public final class ProcessActionRunner implements ActionRunner {
    /** How much of an action's stderr is kept for the log. */
    public static final int STDERR_HEAD_BYTES = 1024;
    /** After the process ended, how long its stderr may stay open (held by an escaped child) before we stop waiting. */
    private static final long STDERR_EOF_WAIT_MILLIS = 1000;
    /** A killed process tree is gone in milliseconds; this bounds the stop when one is not. */
    private static final long KILL_WAIT_SECONDS = 2;
    /** The dispatcher is woken for every change; this only bounds its sleep, as every wait here is. */
    private static final long DISPATCHER_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final File DEV_NULL = new File("/dev/null");

    private final int concurrency;
    private final int queue;
    private final Duration timeout;
    private final ExecutorService workers;
    private final ExecutorService drainers;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    // handed from callers and workers to the dispatcher
    private final Queue<RunQueue.Pending> intake = new ConcurrentLinkedQueue<>();
    private final Queue<RunQueue.Run> ended = new ConcurrentLinkedQueue<>();
    private final AtomicInteger notStarted = new AtomicInteger();
    private volatile int runningRuns;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Thread dispatcher;

    // the dispatcher's own
    private final RunQueue waiting = new RunQueue();

    /**
     * @param concurrency actions running at once (at least 1)
     * @param queue       actions waiting for a free slot before new ones are dropped (0: none wait)
     * @param timeout     an action running longer is killed with its children
     */
    public ProcessActionRunner(int concurrency, int queue, Duration timeout) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must not be negative, got " + queue);
        }
        this.concurrency = concurrency;
        this.queue = queue;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        // never holds more than `concurrency` runs: the dispatcher hands one over only for a free runner
        this.workers = Executors.newFixedThreadPool(concurrency, daemonThreads("fail2ban-exec-"));
        this.drainers = Executors.newCachedThreadPool(daemonThreads("fail2ban-exec-stderr-"));
        this.dispatcher = new Thread(this::dispatch, "fail2ban-exec-dispatch");
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    @Override
    public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
        if (stopping) {
            whenDone.accept(new ActionResult.Dropped(ActionResult.Dropped.SHUTTING_DOWN));
            return;
        }
        // the dispatcher counts a run as running before it stops counting its items as waiting, so the
        // sum never reads low and the bound holds under any interleaving
        if (notStarted.incrementAndGet() + runningRuns > queue + concurrency) {
            int waitingNow = notStarted.decrementAndGet();
            whenDone.accept(new ActionResult.Dropped("exec queue full (" + waitingNow + " waiting, "
                    + runningRuns + " running)"));
            return;
        }
        intake.add(new RunQueue.Pending(invocation, whenDone));
        LockSupport.unpark(dispatcher);
    }

    /** Invocations waiting for a free slot. */
    public int queued() {
        return notStarted.get();
    }

    /** Processes alive right now. */
    public int running() {
        return live.size();
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
            if (!workers.awaitTermination(KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                live.forEach(ProcessActionRunner::killTree);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainers.shutdownNow();
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
                ActionResult result = runNow(run.argv());
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

    private ActionResult runNow(List<String> argv) {
        long start = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException | RuntimeException e) {
            return new ActionResult.NotStarted("cannot run " + argv.get(0) + ": " + e.getMessage());
        }
        live.add(process);
        try {
            StderrHead stderr = new StderrHead(process.getErrorStream());
            drainers.execute(stderr);
            boolean exited;
            try {
                exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException shuttingDown) {
                Thread.currentThread().interrupt();
                exited = false;
            }
            if (!exited) {
                killTree(process);
                awaitDeath(process);
                return new ActionResult.TimedOut(since(start), stderr.awaitText());
            }
            return new ActionResult.Exited(process.exitValue(), since(start), stderr.awaitText());
        } finally {
            live.remove(process);
        }
    }

    private static void awaitDeath(Process process) {
        try {
            process.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills the process and every descendant. The descendants are listed first: once the parent is
     * gone its children are re-parented to init and no longer show up as ours.
     */
    static void killTree(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Reads a stream to its end, keeping only the first {@link #STDERR_HEAD_BYTES}. */
    static final class StderrHead implements Runnable {
        private final InputStream in;
        private final byte[] head = new byte[STDERR_HEAD_BYTES];
        private final CountDownLatch ended = new CountDownLatch(1);
        private int kept;
        private long total;

        StderrHead(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (this) {
                        int take = Math.min(n, head.length - kept);
                        System.arraycopy(buffer, 0, head, kept, take);
                        kept += take;
                        total += n;
                    }
                }
            } catch (IOException closed) {
                // The process is gone and took its pipe with it: what we have is all there is.
            } finally {
                ended.countDown();
            }
        }

        /** The head as text, after waiting (bounded) for the stream to end. */
        String awaitText() {
            try {
                ended.await(STDERR_EOF_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return text();
        }

        synchronized String text() {
            String text = new String(head, 0, kept, StandardCharsets.UTF_8).strip();
            return total > kept ? text + " ...(" + (total - kept) + " more bytes)" : text;
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
