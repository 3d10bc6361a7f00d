package io.fail2bancluster.client;

import io.fail2bancluster.config.TlsConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * One fanout server to announce to.
 *
 * @param host name or address; resolved on every publish, so a DNS change is picked up
 * @param port 1 to 65535
 * @param tls  TLS to use, or empty for plain TCP as fanout speaks it
 */
public record Target(String host, int port, Optional<TlsConfig> tls) {

    /** A plain TCP target. */
    public Target(String host, int port) {
        this(host, port, Optional.empty());
    }

    public Target {
        Objects.requireNonNull(tls, "tls");
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
        }
    }

    /*
     * Written out rather than generated: a record's own equals and hashCode link through
     * ObjectMethods.bootstrap on first call, which spins method-handle classes worth ~25 ms of client
     * start-up (ConfigTargets puts every target in a set), and every ban waits for the client.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Target other && port == other.port && host.equals(other.host) && tls.equals(other.tls);
    }

    @Override
    public int hashCode() {
        return (host.hashCode() * 31 + port) * 31 + tls.hashCode();
    }

    /** {@code host:port}, with brackets around an IPv6 literal: the name used in every message. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
