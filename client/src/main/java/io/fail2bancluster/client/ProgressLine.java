package io.fail2bancluster.client;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code import}'s progress, rewritten in place on stderr a few times a second, when stderr is a terminal;
 * nothing at all otherwise (a log or a pipe wants no carriage returns). Started and stopped by its one caller.
 */
final class ProgressLine implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 200;

    private final PrintStream err;
    private final LongAdder done;
    private final long total;
    private final String what;
    private final Thread thread;
    private volatile boolean running = true;

    private ProgressLine(PrintStream err, LongAdder done, long total, String what) {
        this.err = err;
        this.done = done;
        this.total = total;
        this.what = what;
        this.thread = new Thread(this::loop, "fail2ban-cluster-progress");
        thread.setDaemon(true);
    }

    /** A running progress line when {@code show}, else one that prints nothing. */
    static ProgressLine start(boolean show, PrintStream err, LongAdder done, long total, String what) {
        ProgressLine line = new ProgressLine(err, done, total, what);
        if (show) {
            line.thread.start();
        }
        return line;
    }

    /** Whether this process's stderr is a terminal (Linux: where /proc/self/fd/2 points). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private void loop() {
        long start = System.nanoTime();
        while (running) {
            print(start);
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void print(long start) {
        long sent = Math.min(done.sum(), total);
        double seconds = (System.nanoTime() - start) / 1e9;
        err.print("\r" + what + ": " + sent + " of " + total + " (" + (total == 0 ? 100 : sent * 100 / total) + " %) in "
                + String.format(java.util.Locale.ROOT, "%.1f", seconds) + " s   ");
        err.flush();
    }

    /** Stops it and ends its line, so what follows starts on a line of its own. */
    @Override
    public void close() {
        if (!thread.isAlive()) {
            return;
        }
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.print("\r\033[K");
        err.flush();
    }
}
