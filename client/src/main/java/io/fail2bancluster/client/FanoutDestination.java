package io.fail2bancluster.client;

import io.fail2bancluster.config.TlsConfig;
import io.fail2bancluster.protocol.Command;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

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
    /** Announces per write of a blocklist: about 100 KiB, and a progress step. */
    static final int PART = 1000;

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
        ClientTls context;
        try {
            context = tlsContext();
        } catch (IllegalArgumentException e) {
            return PublishResult.failed(this, e.getMessage(), deadline.elapsed());
        }
        return new FanoutExchange(this, context, FanoutExchange.requestBytes(announce), deadline).run();
    }

    /** The TLS to use, or null for plain TCP. @throws IllegalArgumentException a file of it cannot be used */
    private ClientTls tlsContext() {
        return tls.isPresent() ? ClientTls.of(tls.get()) : null;
    }

    /**
     * Every announce over one connection, written in parts of {@link #PART} without waiting, then one ping:
     * its answer confirms them all, as fanout answers a connection's lines in order. A server that dies
     * halfway fails the whole, and the caller publishes the blocklist again (receivers deduplicate).
     */
    @Override
    public PublishResult publishAll(List<Command.Announce> announces, Deadline deadline, LongAdder sent) {
        ClientTls context;
        try {
            context = tlsContext();
        } catch (IllegalArgumentException e) {
            return PublishResult.failed(this, e.getMessage(), deadline.elapsed());
        }
        List<byte[]> parts = new ArrayList<>(announces.size() / PART + 1);
        ByteArrayOutputStream part = new ByteArrayOutputStream(PART * 96);
        for (int i = 0; i < announces.size(); i++) {
            part.writeBytes(announces.get(i).toBytes());
            if ((i + 1) % PART == 0 || i + 1 == announces.size()) {
                if (i + 1 == announces.size()) {
                    part.writeBytes(Command.Ping.INSTANCE.toBytes());
                }
                parts.add(part.toByteArray());
                part.reset();
            }
        }
        int total = announces.size();
        LongAdder written = new LongAdder();
        PublishResult result = new FanoutExchange(this, context, parts, index -> {
            // a part on its way counts as sent for the progress line; the ping's answer confirms them all
            int count = (int) Math.min(PART, total - index * (long) PART);
            written.add(count);
            sent.add(count);
        }, deadline).run();
        if (!result.accepted()) {
            sent.add(-written.sum());
        }
        return result;
    }
}
