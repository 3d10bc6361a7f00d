package io.fail2bancluster.agent.daemon;

import java.util.concurrent.TimeUnit;

/** Connects a {@link StopRequest} to the ways a process is asked to end. */
public final class SystemHooks {
    private static final long HOOK_WAIT_SECONDS = ForegroundAgent.SHUTDOWN_GRACE.toSeconds() + 10;

    private SystemHooks() {
    }

    /**
     * SIGTERM and SIGINT request a stop; so does any other way the JVM shuts down (another signal, a
     * {@code System.exit} elsewhere), where the hook waits, bounded, for the agent to finish stopping.
     */
    public static StopRequest stopOnSignals() {
        StopRequest stop = new StopRequest();
        SignalTrap.stopOn(stop, "TERM", "INT");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop.requestAndAwait(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown"));
        return stop;
    }
}
