package io.fail2bancluster.util;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.BlockingOperationError;

/**
 * The {@code F2BC_BLOCKHOUND=1} switch: the agent and broker mains install BlockHound first thing, and from
 * then on a blocking call (sleep, park, file or socket I/O, process spawn...) on an event loop thread
 * logs its stack and ends the process with {@link #EXIT_STATUS}. Netty's own integration (found through
 * the service loader) marks its loop threads and its few deliberate blocking spots. JDK 13+ refuses the
 * class redefinition BlockHound needs unless the JVM runs with {@link #JVM_FLAG}; the launchers and the
 * test harness add it when the variable is set.
 *
 * <p>Two allowances of ours, both log4j. Its output stream appenders: the loop logs rarely and rate-limited
 * (see {@link LogThrottle}), to stderr or a local file, as BlockHound's own logback integration allows;
 * an asynchronous appender would have to block or silently drop when its queue is full, which is worse.
 * And {@code LogManager.getLogger}: a class's static logger is made once, when the class is first used, and
 * log4j's logger registry takes a lock for it; a loop initialising a handler class while another thread
 * makes its own logger waited on that lock for microseconds, and the guard took it for a blocked loop.
 *
 * <p>Only this class touches BlockHound, and only when the switch is on, so a process without it on its
 * class path (the client) never loads it.
 */
public final class BlockingCallGuard {
    /** The environment variable; {@code 1} turns the guard on. */
    public static final String ENV = "F2BC_BLOCKHOUND";
    /** BlockHound's class redefinition needs this on JDK 13 and later. */
    public static final String JVM_FLAG = "-XX:+AllowRedefinitionToAddDeleteMethods";
    /** Exit status after a blocking call on an event loop (EX_SOFTWARE: an internal error). */
    public static final int EXIT_STATUS = 70;

    private BlockingCallGuard() {
    }

    public static boolean requested() {
        return "1".equals(System.getenv(ENV));
    }

    /**
     * Installs BlockHound when {@link #ENV} is {@code 1}; call before anything starts a thread or logs.
     * Returns false (having said why on stderr) when it was asked for but cannot be installed.
     */
    public static boolean installIfRequested(String processName) {
        if (!requested()) {
            return true;
        }
        try {
            BlockHound.builder()
                    .loadIntegrations()
                    .allowBlockingCallsInside("org.apache.logging.log4j.core.appender.AbstractOutputStreamAppender",
                            "append")
                    .allowBlockingCallsInside("org.apache.logging.log4j.LogManager", "getLogger")
                    .blockingMethodCallback(method -> blocked(processName, method))
                    .install();
            return true;
        } catch (RuntimeException | LinkageError e) {
            System.err.println(processName + ": " + ENV + "=1 but BlockHound cannot be installed (" + e
                    + "); the JVM needs " + JVM_FLAG);
            return false;
        }
    }

    /**
     * Runs on the loop thread inside the blocking call, so it must not block either: a fresh thread
     * prints the stack and halts (not exits: shutdown hooks would wait for this very loop), and the
     * error stops the blocking call here.
     */
    private static void blocked(String processName, BlockingMethod method) {
        BlockingOperationError error = new BlockingOperationError(method);
        String where = Thread.currentThread().getName();
        Thread reporter = new Thread(() -> {
            System.err.println(processName + ": blocking call " + method + " on event loop thread " + where
                    + "; exiting with status " + EXIT_STATUS);
            error.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }, "blocking-call-report");
        reporter.start();
        throw error;
    }
}
