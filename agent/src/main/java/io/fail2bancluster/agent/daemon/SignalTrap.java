package io.fail2bancluster.agent.daemon;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a {@link StopRequest}, so the agent stops in order and exits 0 (a JVM
 * ended by the default handler exits 143, which systemd records as a failure), and SIGHUP into a reload
 * while the agent runs. {@code sun.misc.Signal} is the JDK's only way to catch a signal.
 */
final class SignalTrap {

    /** Puts back the handler a trap replaced. */
    @FunctionalInterface
    interface Restorer {
        void restore();
    }

    private SignalTrap() {
    }

    static void stopOn(StopRequest stop, String... signals) {
        for (String name : signals) {
            Signal.handle(new Signal(name), signal -> stop.request());
        }
    }

    /**
     * Runs {@code action} on the JVM's signal thread for every {@code signal} until restored. Before and
     * after, the previous handler applies (for SIGHUP the JVM's default: shut down).
     */
    static Restorer on(String signal, Runnable action) {
        Signal trapped = new Signal(signal);
        SignalHandler previous = Signal.handle(trapped, s -> action.run());
        return () -> Signal.handle(trapped, previous);
    }
}
