package io.fail2bancluster.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs actions as real processes, never through a shell: {@code new ProcessBuilder(argv)}, so a value
 * in the message can only ever be one argument.
 *
 * <ul>
 *   <li>At most {@code concurrency} run at once and {@code queue} wait; past that an invocation is
 *       {@link ActionResult.Dropped dropped} at once, so a flood cannot pile up without bound.</li>
 *   <li>After {@code timeout} the process and every descendant are killed ({@code SIGKILL}).</li>
 *   <li>stdout goes to {@code /dev/null} and stdin comes from it; stderr is drained to its end by a
 *       helper thread that keeps the first KiB for the log, so a chatty action can never block on a full
 *       pipe.</li>
 * </ul>
 * Blocking waits happen on this runner's own threads only; callers (the event loop) never wait.
 */
public final class ProcessActionRunner implements ActionRunner {
    /** How much of an action's stderr is kept for the log. */
    public static final int STDERR_HEAD_BYTES = 1024;
    /** After the process ended, how long its stderr may stay open (held by an escaped child) before we stop waiting. */
    private static final long STDERR_EOF_WAIT_MILLIS = 1000;
    /** A killed process tree is gone in milliseconds; this bounds the stop when one is not. */
    private static final long KILL_WAIT_SECONDS = 2;
    private static final File DEV_NULL = new File("/dev/null");

    private final Duration timeout;
    private final ThreadPoolExecutor workers;
    private final ExecutorService drainers;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

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
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        BlockingQueue<Runnable> waiting = queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
        this.workers = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.SECONDS, waiting,
                daemonThreads("fail2ban-exec-"), new ThreadPoolExecutor.AbortPolicy());
        this.drainers = Executors.newCachedThreadPool(daemonThreads("fail2ban-exec-stderr-"));
    }

    @Override
    public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
        try {
            workers.execute(new Task(invocation, whenDone));
        } catch (RejectedExecutionException full) {
            whenDone.accept(new ActionResult.Dropped(workers.isShutdown()
                    ? "the agent is shutting down"
                    : "exec queue full (" + workers.getQueue().size() + " waiting, "
                            + workers.getMaximumPoolSize() + " running)"));
        }
    }

    /** Invocations waiting for a free slot. */
    public int queued() {
        return workers.getQueue().size();
    }

    /** Processes alive right now. */
    public int running() {
        return live.size();
    }

    @Override
    public CompletableFuture<Void> shutdown(Duration grace) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        // Even workers.shutdown() waits for the pool's lock, so all of it happens on the waiter, not the caller.
        Thread waiter = new Thread(() -> {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                    // Interrupted workers kill their own process trees; queued ones are reported, not lost.
                    for (Runnable never : workers.shutdownNow()) {
                        ((Task) never).whenDone.accept(new ActionResult.Dropped("the agent is shutting down"));
                    }
                    live.forEach(ProcessActionRunner::killTree);
                    workers.awaitTermination(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
                }
                drainers.shutdownNow();
                done.complete(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
            }
        }, "fail2ban-exec-shutdown");
        waiter.setDaemon(true);
        waiter.start();
        return done;
    }

    private final class Task implements Runnable {
        final Invocation invocation;
        final Consumer<ActionResult> whenDone;

        Task(Invocation invocation, Consumer<ActionResult> whenDone) {
            this.invocation = invocation;
            this.whenDone = whenDone;
        }

        @Override
        public void run() {
            whenDone.accept(runNow(invocation.argv()));
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
