package io.fail2bancluster.agent.exec;

import io.fail2bancluster.util.BlockingThreads;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One action as a real process, never through a shell: {@code new ProcessBuilder(argv)}, so a value in the
 * message can only ever be one argument. stdout goes to {@code /dev/null} and stdin comes from it; stderr
 * is drained to its end by a helper thread that keeps the first KiB for the log, so a chatty action can never
 * block on a full pipe. After {@code timeout} the process and every descendant are killed ({@code SIGKILL}).
 * {@link #run} blocks its caller until the process ended: it is called on the runner's workers only.
 * Which action runs when is {@link ProcessActionRunner}'s business.
 */
final class ActionProcess {
    /** How much of an action's stderr is kept for the log. */
    static final int STDERR_HEAD_BYTES = 1024;
    /** After the process ended, how long its stderr may stay open (held by an escaped child) before we stop waiting. */
    private static final long STDERR_EOF_WAIT_MILLIS = 1000;
    /** A killed process tree is gone in milliseconds; this bounds a wait for one that is not. */
    static final long KILL_WAIT_SECONDS = 2;
    private static final File DEV_NULL = new File("/dev/null");

    private final Duration timeout;
    /** Threads are made as stderr streams come; none before the first action. */
    private final ExecutorService drainers =
            Executors.newCachedThreadPool(BlockingThreads.named("fail2ban-exec-stderr"));
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    /** @param timeout an action running longer is killed with its children */
    ActionProcess(Duration timeout) {
        this.timeout = timeout;
    }

    /** Processes alive right now. */
    int running() {
        return live.size();
    }

    /** Kills every process still alive, with its descendants. */
    void killAll() {
        live.forEach(ActionProcess::killTree);
    }

    /** Stops the stderr readers: after the last {@link #run} returned. */
    void close() {
        drainers.shutdownNow();
    }

    /** Runs {@code argv} to its end, or until the timeout kills it; an interrupt kills it too. */
    ActionResult run(List<String> argv) {
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
}
