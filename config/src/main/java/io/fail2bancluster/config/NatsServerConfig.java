package io.fail2bancluster.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One NATS JetStream cluster (a {@code nats:} server entry) and the channels carried on it. The stream
 * keeps the latest message per ban key for {@code retention}, so a host that was down can catch up.
 *
 * @param path      where it stands in the file, e.g. {@code servers[1]} (for messages)
 * @param urls      the cluster's client URLs ({@code nats://} or {@code tls://}), tried in this order
 * @param stream    the JetStream stream (default {@value #DEFAULT_STREAM}); also the first subject token
 * @param replicas  the stream's replicas when the config says; empty means 3 on a JetStream cluster of
 *                  3 or more servers, else 1
 * @param retention how long a message is kept at most (the stream's max_age; default 30 days)
 * @param auth      how the client authenticates, or {@link NatsAuth#NONE}
 * @param tls       present with {@code tls: true} (or a {@code tls://} URL)
 * @param channels  in file order; names are unique within a server
 */
public record NatsServerConfig(
        String path,
        List<URI> urls,
        String stream,
        OptionalInt replicas,
        Duration retention,
        NatsAuth auth,
        Optional<TlsConfig> tls,
        List<ChannelConfig> channels) {

    public static final String DEFAULT_STREAM = "FAIL2BAN_CLUSTER";
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    public static final int DEFAULT_PORT = 4222;

    public NatsServerConfig {
        urls = List.copyOf(urls);
        channels = List.copyOf(channels);
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(replicas, "replicas");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(tls, "tls");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a NATS server entry needs at least one URL");
        }
    }

    public Optional<ChannelConfig> channel(String name) {
        return channels.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** {@code nats://a:4222,nats://b:4222}: the name used for this cluster in every message. */
    public String address() {
        StringBuilder text = new StringBuilder();
        for (URI url : urls) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(url);
        }
        return text.toString();
    }
}
