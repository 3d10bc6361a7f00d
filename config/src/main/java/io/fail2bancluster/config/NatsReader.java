package io.fail2bancluster.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Reads one {@code nats:} server entry: the cluster's URLs, its stream, auth, TLS and channels. */
final class NatsReader {
    /** JetStream keeps at most 5 replicas of a stream. */
    static final int MAX_REPLICAS = 5;

    private NatsReader() {
    }

    static NatsServerConfig server(ConfigNode node, ConfigMapping server, boolean strict) {
        if (server.contains("host")) {
            throw server.error("host", "a server entry is either a fanout server (host, port) or a NATS cluster "
                    + "(nats: [URL, ...]), not both");
        }
        ConfigNode natsNode = server.required("nats");
        List<URI> urls = urls(natsNode);
        String stream = server.optional("stream").map(NatsReader::stream).orElse(NatsServerConfig.DEFAULT_STREAM);
        OptionalInt replicas = server.optional("replicas").map(r -> OptionalInt.of(r.integer(1, MAX_REPLICAS)))
                .orElse(OptionalInt.empty());
        Duration retention = server.seconds("retention", NatsServerConfig.DEFAULT_RETENTION);
        NatsAuth auth = auth(server);
        if (server.contains("server_name")) {
            throw server.error("server_name", "not used on a NATS server: each URL's host is the name its "
                    + "certificate must carry");
        }
        boolean tlsUrl = urls.stream().anyMatch(NatsUrls::isTls);
        Optional<TlsConfig> tls = ServerReader.tls(server, urls.get(0).getHost(), tlsUrl);
        if (tlsUrl && tls.isEmpty()) {
            throw server.error("tls", "a tls:// URL needs TLS; remove tls: false or use nats:// URLs");
        }
        ConfigNode channelsNode = server.required("channels");
        for (ConfigNode item : channelsNode.list()) {
            if (item.isNull()) {
                continue;
            }
            item.mapping().optional("name").ifPresent(NatsReader::subjectToken);
        }
        List<ChannelConfig> channels = ServerReader.channels(channelsNode, strict);
        server.finish();
        try {
            return new NatsServerConfig(node.path(), urls, stream, replicas, retention, auth, tls, channels);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    /** {@code nats: URL} or {@code nats: [URL, ...]}; each becomes {@code nats://host:port} or {@code tls://host:port}. */
    private static List<URI> urls(ConfigNode node) {
        List<ConfigNode> items = node.isScalar() ? List.of(node) : node.nonEmptyList("needs at least one URL");
        List<URI> urls = new ArrayList<>();
        for (ConfigNode item : items) {
            URI url = url(item);
            if (urls.contains(url)) {
                throw item.error("listed twice");
            }
            urls.add(url);
        }
        return urls;
    }

    private static URI url(ConfigNode node) {
        try {
            return NatsUrls.parse(node.nonBlankString());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    /**
     * A stream name is also the first subject token (see docs/nats-design.md#subject-layout), so it must be a
     * plain token.
     */
    private static String stream(ConfigNode node) {
        String name = node.nonBlankString();
        if (!NatsUrls.isSubjectToken(name) || name.length() > 64) {
            throw node.error("a stream name is letters, digits, '_' and '-' (at most 64), got " + name);
        }
        return name;
    }

    /** A channel on a NATS server is one subject token: no '.', '*', '>' or anything NATS treats specially. */
    private static void subjectToken(ConfigNode node) {
        String name = node.string();
        if (!NatsUrls.isSubjectToken(name)) {
            throw node.error("a channel on a NATS server is letters, digits, '_' and '-' (it is a subject token), got "
                    + name);
        }
    }

    private static NatsAuth auth(ConfigMapping server) {
        Optional<Path> creds = readable(server, "creds_file");
        Optional<Path> nkey = readable(server, "nkey_file");
        Optional<String> user = server.optional("user").map(ConfigNode::nonBlankString);
        Optional<Path> password = readable(server, "password_file");
        Optional<Path> token = readable(server, "token_file");
        List<String> given = new ArrayList<>();
        for (String key : List.of("creds_file", "nkey_file", "user", "token_file")) {
            if (server.contains(key)) {
                given.add(key);
            }
        }
        if (given.size() > 1) {
            throw server.error(given.get(1), "a NATS server takes one way to authenticate; " + given.get(0)
                    + " and " + given.get(1) + " are both given");
        }
        if (user.isPresent() != password.isPresent()) {
            String key = user.isPresent() ? "user" : "password_file";
            throw server.error(key, "user and password_file go together");
        }
        return new NatsAuth(creds, nkey, user, password, token);
    }

    /** A secret file must be readable now, so a wrong path stops the start with its line. */
    private static Optional<Path> readable(ConfigMapping server, String key) {
        Optional<Path> path = server.filePath(key);
        if (path.isPresent() && !(Files.isRegularFile(path.get()) && Files.isReadable(path.get()))) {
            throw server.error(key, "cannot read " + path.get());
        }
        return path;
    }
}
