package io.fail2bancluster.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One fanout server and the channels the agent subscribes to on it.
 *
 * @param path         where it stands in the file, e.g. {@code servers[0]} (for messages)
 * @param host         host name or address, resolved again on every connect
 * @param port         default 1986
 * @param pingTimeout  no line for this long means the server is gone (default 60 s)
 * @param pingInterval a ping is sent this often (default pingTimeout / 3)
 * @param channels     in file order; names are unique within a server
 * @param tls          present when the connection uses TLS ({@code tls: true})
 */
public record ServerConfig(
        String path,
        String host,
        int port,
        Duration pingTimeout,
        Duration pingInterval,
        List<ChannelConfig> channels,
        Optional<TlsConfig> tls) {

    public static final int DEFAULT_PORT = 1986;
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(60);

    public ServerConfig {
        channels = List.copyOf(channels);
        Objects.requireNonNull(tls, "tls");
    }

    /** A plain (no TLS) server. */
    public ServerConfig(String path, String host, int port, Duration pingTimeout, Duration pingInterval,
                        List<ChannelConfig> channels) {
        this(path, host, port, pingTimeout, pingInterval, channels, Optional.empty());
    }

    public Optional<ChannelConfig> channel(String name) {
        return channels.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
