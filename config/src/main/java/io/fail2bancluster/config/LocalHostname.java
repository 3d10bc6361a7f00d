package io.fail2bancluster.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The machine's fully qualified name, as fail2ban's {@code <fq-hostname>} tag gives it to the shipped
 * action. Looked up once per process, on first use (a reverse DNS lookup can take seconds on a host with
 * broken DNS, so it must never run on an event loop: the agent asks for it while starting).
 */
final class LocalHostname {
    private LocalHostname() {
    }

    static String fullyQualified() {
        return Holder.NAME;
    }

    private static final class Holder {
        static final String NAME = lookUp();

        private static String lookUp() {
            try {
                return InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                // The host's own name does not resolve: the name itself is the best that is known.
                String message = e.getMessage();
                int colon = message == null ? -1 : message.indexOf(':');
                return colon > 0 ? message.substring(0, colon) : "localhost";
            }
        }
    }
}
