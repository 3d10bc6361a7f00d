package io.fail2bancluster.client;

import io.fail2bancluster.config.TlsConfig;
import io.fail2bancluster.protocol.Command;
import java.util.Objects;
import java.util.Optional;

/**
 * A fanout server to announce to. It accepted the announce when it greeted us, took the announce and
 * answered the ping written right after it: fanout answers in order and never acknowledges an announce
 * itself (see {@link FanoutExchange}).
 *
 * @param host name or address; resolved on every publish, so a DNS change is picked up
 * @param port 1 to 65535
 * @param tls  TLS to use, or empty for plain TCP as fanout speaks it
 */
public record FanoutDestination(String host, int port, Optional<TlsConfig> tls) implements Destination {

    /** A plain TCP target. */
    public FanoutDestination(String host, int port) {
        this(host, port, Optional.empty());
    }

    public FanoutDestination {
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
     * start-up (ConfigDestinations puts every server in a set), and every ban waits for the client.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof FanoutDestination other && port == other.port && host.equals(other.host) && tls.equals(other.tls);
    }

    @Override
    public int hashCode() {
        return (host.hashCode() * 31 + port) * 31 + tls.hashCode();
    }

    /** {@code host:port}, with brackets around an IPv6 literal: the name used in every message. */
    @Override
    public String name() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean carriesLines() {
        return true;
    }

    /** Connects, waits for the greeting, writes the announce and a ping, reads until the ping's answer. */
    @Override
    public PublishResult publish(Command.Announce announce, Deadline deadline) {
        ClientTls context = null;
        if (tls.isPresent()) {
            try {
                context = ClientTls.of(tls.get());
            } catch (IllegalArgumentException e) {
                return PublishResult.failed(this, e.getMessage(), deadline.elapsed());
            }
        }
        return new FanoutExchange(this, context, FanoutExchange.requestBytes(announce), deadline).run();
    }
}
