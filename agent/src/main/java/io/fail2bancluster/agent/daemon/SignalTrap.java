package io.fail2bancluster.agent.daemon;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a {@link StopRequest}, so the agent stops in order and exits 0 (a JVM
 * ended by the default handler exits 143, which systemd records as a failure). {@code sun.misc.Signal} is
 * the JDK's only way to catch a signal; SIGHUP (reload) will be trapped here too.
 */
final class SignalTrap {

    private SignalTrap() {
    }

    static void stopOn(StopRequest stop, String... signals) {
        for (String name : signals) {
            Signal.handle(new Signal(name), signal -> stop.request());
        }
    }
}
