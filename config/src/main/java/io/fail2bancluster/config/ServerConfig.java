package io.fail2bancluster.config;

import java.time.Duration;
import java.util.List;
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
 */
public record ServerConfig(
        String path,
        String host,
        int port,
        Duration pingTimeout,
        Duration pingInterval,
        List<ChannelConfig> channels) {

    public static final int DEFAULT_PORT = 1986;
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(60);

    public ServerConfig {
        channels = List.copyOf(channels);
    }

    public Optional<ChannelConfig> channel(String name) {
        return channels.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
