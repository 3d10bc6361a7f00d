package io.fail2bancluster.util;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link Error} on an event loop ({@code OutOfMemoryError}, {@code StackOverflowError}, a
 * {@code LinkageError}...) ends the process with {@link #EXIT_STATUS}, so that systemd restarts it, rather
 * than leaving it half dead: Netty would log the error, close one connection, and keep a loop running that may
 * never work again, or lose the loop thread and with it every connection on it.
 *
 * <p>The exit runs on a fresh thread: the loop that hit the error must not wait in {@code System.exit} for
 * shutdown hooks that wait for the loops. Shutdown hooks get {@link #HALT_AFTER_SECONDS}; then the process
 * halts. A blocking call caught by {@link BlockingCallGuard} is its business (it exits 70), not ours.
 */
public final class FatalErrors {
    /** The JVM's own status for {@code -XX:+ExitOnOutOfMemoryError}, so one status means "the JVM was in trouble". */
    public static final int EXIT_STATUS = 3;
    static final int HALT_AFTER_SECONDS = 10;
    private static final String BLOCKING_CALL_ERROR = "reactor.blockhound.BlockingOperationError";
    private static final AtomicBoolean EXITING = new AtomicBoolean();

    private FatalErrors() {
    }

    /** The {@link Error} in {@code cause} or its causes (Netty wraps what a decoder throws), or null. */
    public static Error fatalIn(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Error error && !BLOCKING_CALL_ERROR.equals(t.getClass().getName())) {
                return error;
            }
        }
        return null;
    }

    /**
     * Ends the process when {@code cause} carries an {@link Error}; returns whether it does (the caller
     * then has nothing left to do). Safe to call from any thread, any number of times.
     */
    public static boolean exitIfFatal(String processName, Throwable cause) {
        Error error = fatalIn(cause);
        if (error == null) {
            return false;
        }
        exit(processName, error);
        return true;
    }

    /** Ends the process with {@link #EXIT_STATUS}, reporting {@code cause}; returns at once. */
    public static void exit(String processName, Throwable cause) {
        if (EXITING.compareAndSet(false, true)) {
            String where = Thread.currentThread().getName();
            try {
                Thread exit = new Thread(() -> report(processName, where, cause), processName + "-fatal-exit");
                exit.start();
            } catch (Throwable cannotStartThread) {
                // no memory left even for a thread: no hooks, no report beyond this line
                Runtime.getRuntime().halt(EXIT_STATUS);
            }
        }
    }

    private static void report(String processName, String where, Throwable cause) {
        System.err.println(processName + ": fatal " + cause + " on thread " + where + "; exiting with status "
                + EXIT_STATUS);
        cause.printStackTrace();
        System.err.flush();
        Thread halt = new Thread(() -> {
            try {
                TimeUnit.SECONDS.sleep(HALT_AFTER_SECONDS);
            } catch (InterruptedException ignored) {
                // halt now
            }
            Runtime.getRuntime().halt(EXIT_STATUS);
        }, processName + "-fatal-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(EXIT_STATUS);
    }

    /**
     * Event loop threads named {@code <prefix>-N-M} that end the process when anything escapes them: a loop
     * thread that dies alone takes its connections with it.
     */
    public static ThreadFactory loopThreads(String processName, String prefix) {
        return new DefaultThreadFactory(prefix) {
            @Override
            protected Thread newThread(Runnable r, String name) {
                Thread thread = super.newThread(r, name);
                thread.setUncaughtExceptionHandler((t, e) -> exit(processName, e));
                return thread;
            }
        };
    }
}
