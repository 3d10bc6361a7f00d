package io.fail2bancluster.client;

/**
 * One fanout server to announce to.
 *
 * @param host name or address; resolved on every publish, so a DNS change is picked up
 * @param port 1 to 65535
 */
public record Target(String host, int port) {

    public Target {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
        }
    }

    /** {@code host:port}, with brackets around an IPv6 literal: the name used in every message. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
