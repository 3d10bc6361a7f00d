package io.fail2bancluster.config;

import io.fail2bancluster.protocol.Wire;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads the {@code servers} list: each server, its channels, their actions and filters. */
final class ServerReader {
    private ServerReader() {
    }

    /** The {@code servers} list split by kind, each kind in file order; paths keep the entry's own index. */
    record Servers(List<ServerConfig> fanout, List<NatsServerConfig> nats) {
    }

    static Servers servers(ConfigNode node, boolean strict) {
        List<ServerConfig> fanout = new ArrayList<>();
        List<NatsServerConfig> nats = new ArrayList<>();
        for (ConfigNode item : node.nonEmptyList("needs at least one server")) {
            ConfigMapping server = item.mapping();
            if (server.contains("nats")) {
                nats.add(NatsReader.server(item, server, strict));
            } else {
                fanout.add(server(item, server, strict));
            }
        }
        return new Servers(List.copyOf(fanout), List.copyOf(nats));
    }

    private static ServerConfig server(ConfigNode node, ConfigMapping server, boolean strict) {
        String host = host(server.required("host"));
        int port = server.integer("port", ServerConfig.DEFAULT_PORT, 1, 65535);
        Duration pingTimeout = server.seconds("ping_timeout", ServerConfig.DEFAULT_PING_TIMEOUT);
        Duration pingInterval = server.seconds("ping_interval", pingTimeout.dividedBy(3));
        List<ChannelConfig> channels = channels(server.required("channels"), strict);
        Optional<TlsConfig> tls = tls(server, host, false);
        server.finish();

        if (pingInterval.compareTo(pingTimeout) >= 0) {
            // Pings are what keep a quiet but healthy connection from timing out.
            throw server.error("ping_interval", "must be less than ping_timeout (" + Seconds.format(pingTimeout)
                    + "), or a quiet server would be dropped before it is pinged");
        }
        return new ServerConfig(node.path(), host, port, pingTimeout, pingInterval, channels, tls);
    }

    private static final List<String> TLS_KEYS = List.of("ca_file", "cert_file", "key_file", "server_name");

    /**
     * {@code tls: true} and its keys, all on the server's mapping. The files are read and parsed now, so
     * a wrong path or a broken file stops the start-up with the key's line instead of failing every
     * connection later.
     */
    static Optional<TlsConfig> tls(ConfigMapping server, String host, boolean enabledByDefault) {
        boolean enabled = server.flag("tls", enabledByDefault);
        Optional<Path> caFile = server.filePath("ca_file");
        Optional<Path> certFile = server.filePath("cert_file");
        Optional<Path> keyFile = server.filePath("key_file");
        Optional<String> serverName = server.optional("server_name").map(ServerReader::host);
        if (!enabled) {
            for (String key : TLS_KEYS) {
                if (server.contains(key)) {
                    throw server.error(key, "only used with tls: true (this server is plain TCP)");
                }
            }
            return Optional.empty();
        }
        if (certFile.isPresent() != keyFile.isPresent()) {
            String missing = certFile.isPresent() ? "key_file" : "cert_file";
            String given = certFile.isPresent() ? "cert_file" : "key_file";
            throw server.error(given, "a client certificate needs both cert_file and key_file; " + missing + " is missing");
        }
        caFile.ifPresent(ca -> pem(server, "ca_file", () -> PemFiles.certificates(ca)));
        if (certFile.isPresent()) {
            List<X509Certificate> chain = pem(server, "cert_file", () -> PemFiles.certificates(certFile.get()));
            PrivateKey key = pem(server, "key_file", () -> PemFiles.privateKey(keyFile.get()));
            pem(server, "key_file", () -> {
                PemFiles.requireMatching(certFile.get(), chain.get(0), keyFile.get(), key);
                return key;
            });
        }
        return Optional.of(new TlsConfig(serverName.orElse(host), caFile, certFile, keyFile));
    }

    private static <T> T pem(ConfigMapping server, String key, Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            throw server.error(key, e.getMessage());
        }
    }

    static String host(ConfigNode node) {
        String host = node.nonBlankString().trim();
        // [2001:db8::1] as in a URL; the record keeps the bare address.
        if (host.length() > 2 && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        for (int i = 0; i < host.length(); i++) {
            if (Character.isWhitespace(host.charAt(i)) || Character.isISOControl(host.charAt(i))) {
                throw node.error("a host name or address cannot contain spaces or control characters");
            }
        }
        return host;
    }

    static List<ChannelConfig> channels(ConfigNode node, boolean strict) {
        List<ChannelConfig> channels = new ArrayList<>();
        Map<String, ConfigNode> names = new HashMap<>();
        for (ConfigNode item : node.nonEmptyList("a server needs at least one channel")) {
            ConfigMapping channel = item.mapping();
            ConfigNode nameNode = channel.required("name");
            String name = channelName(nameNode);
            ConfigNode first = names.putIfAbsent(name, nameNode);
            if (first != null) {
                throw nameNode.error("duplicate channel '" + name + "' on this server (first at "
                        + first.path() + ", line " + first.line() + ")");
            }
            Optional<ConfigNode> actionNode = channel.optional("action");
            Optional<ActionTemplate> action = actionNode.map(ServerReader::action);
            List<FilterEntry> filters = channel.optional("filter").map(f -> f.listOf(ServerReader::filterEntry))
                    .orElse(List.of());
            boolean skipOwn = channel.flag("skip_own", false);
            List<SigningKey> secrets = channel.optional("secret_files")
                    .map(f -> f.nonEmptyList("needs at least one file").stream().map(ServerReader::secretFile).toList())
                    .orElse(List.of());
            Optional<ConfigNode> requireNode = channel.optional("require_signature");
            boolean requireSignature = requireNode.map(ConfigNode::flag).orElse(true);
            if (requireNode.isPresent() && secrets.isEmpty()) {
                throw requireNode.get().error("only means something with secret_files (the keys to check against)");
            }
            List<AddressRange> ignoreIp = channel.optional("ignore_ip").map(f -> f.listOf(ServerReader::addressRange))
                    .orElse(List.of());
            int batch = channel.integer("batch", 1, 1, ChannelConfig.MAX_BATCH);
            Optional<ChannelConfig.Enforce> enforce = NftablesReader.enforce(channel, actionNode);
            long bantime = NftablesReader.bantime(channel, enforce);
            // a fleet ban runs where a received ban goes: the channel's action, or its nftables sets
            Optional<FleetBanConfig> fleetBan = channel.optional("fleet_ban")
                    .map(f -> FleetBanConfig.read(f, actionNode.isPresent() || enforce.isPresent(), filters));
            Set<Integer> successExit = channel.optional("success_exit").map(ServerReader::successExit).orElse(Set.of());
            channel.finish();
            ChannelConfig config = new ChannelConfig(item.path(), name, action, filters, skipOwn, secrets,
                    requireSignature, ignoreIp, batch, fleetBan, enforce, bantime, successExit);
            if (strict && actionNode.isPresent() && !config.unconstrainedPlaceholders().isEmpty()) {
                throw actionNode.get().error(ClusterConfig.unconstrained(config.unconstrainedPlaceholders().get(0))
                        + "; strict: true needs a filter entry (values or pattern) for every placeholder");
            }
            channels.add(config);
        }
        return channels;
    }

    /** Exit statuses 0 to 255, each once: {@code success_exit: [0, 1]}. */
    private static Set<Integer> successExit(ConfigNode node) {
        Set<Integer> statuses = new LinkedHashSet<>();
        for (ConfigNode item : node.nonEmptyList("needs at least one exit status (0 to 255)")) {
            if (!statuses.add(item.integer(0, 255))) {
                throw item.error("listed twice");
            }
        }
        return statuses;
    }

    private static String channelName(ConfigNode node) {
        try {
            return Wire.requireChannel(node.string());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static ActionTemplate action(ConfigNode node) {
        try {
            return ActionTemplate.parse(node.string());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static FilterEntry filterEntry(ConfigNode node) {
        ConfigMapping entry = node.mapping();
        String key = filterKey(entry.required("key"));
        Optional<Pattern> pattern = entry.optional("pattern").map(ServerReader::pattern);
        // With a pattern, values are optional: the pattern alone can constrain the key.
        List<String> values = (pattern.isPresent() ? entry.optional("values") : Optional.of(entry.required("values")))
                .map(v -> v.nonEmptyList("needs at least one value").stream().map(ServerReader::filterValue).toList())
                .orElse(List.of());
        entry.finish();
        return new FilterEntry(node.path(), key, values, pattern);
    }

    private static Pattern pattern(ConfigNode node) {
        String regex = node.nonBlankString();
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw node.error("not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
        }
    }

    private static SigningKey secretFile(ConfigNode node) {
        try {
            return SigningKey.read(node.filePath());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static AddressRange addressRange(ConfigNode node) {
        try {
            return AddressRange.parse(node.nonBlankString());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    /** A value a parsed message can actually have, so an entry cannot silently never match. */
    private static String filterValue(ConfigNode node) {
        String value = node.string();
        if (value.indexOf(',') >= 0 || !value.equals(value.strip())) {
            throw node.error("a message value cannot contain ',' or start or end with a space");
        }
        return value;
    }

    /** A key a parsed message can actually have, so a filter cannot silently reject everything. */
    private static String filterKey(ConfigNode node) {
        String key = node.nonBlankString();
        if (key.indexOf(',') >= 0 || key.indexOf('=') >= 0 || !key.equals(key.strip())) {
            throw node.error("a message key cannot contain ',' or '=' or start or end with a space");
        }
        return key;
    }
}
