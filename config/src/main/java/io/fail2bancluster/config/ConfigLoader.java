package io.fail2bancluster.config;

import io.fail2bancluster.protocol.Wire;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.reader.UnicodeReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the YAML file into a validated {@link ClusterConfig}, or fails with a {@link ConfigException}
 * naming the file, the path and the line.
 *
 * <p>The file is composed into snakeyaml's node tree rather than constructed into maps, because only
 * nodes keep their line numbers, and because building no Java objects from the document leaves a
 * hostile file nothing to instantiate. It drives snakeyaml's composer itself rather than through
 * {@code Yaml}, whose constructor builds the object constructor and representer it would not use and
 * starts java.util.logging for their logger: some 60 ms of every {@code fail2ban-cluster-client}
 * start, which is ban latency.
 */
public final class ConfigLoader {
    /** A config file is a few KiB; anything near this is not one. */
    static final int MAX_CODE_POINTS = 1 << 20;
    /** Aliases are fine for sharing a channel list between servers; many of them is a billion-laughs attack. */
    static final int MAX_ALIASES = 50;
    /** A ban line is ~100 bytes; below this even a signed one with a long value would not fit. */
    static final int MIN_MAX_LINE = 256;
    static final int MAX_MAX_LINE = 16 << 20;

    private ConfigLoader() {
    }

    /** The file, with the defaults of the user this process runs as (see {@link DefaultPaths}). */
    public static ClusterConfig load(Path file) {
        return load(file, DefaultPaths::forThisProcess);
    }

    /** The file, with {@code defaults} for what it does not set (tests: the same answer for every user). */
    public static ClusterConfig load(Path file, DefaultPaths defaults) {
        return load(file, () -> defaults);
    }

    private static ClusterConfig load(Path file, Supplier<DefaultPaths> defaults) {
        String source = file.toString();
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(source, "", "is a directory, not a config file", 0);
            }
            if (Files.size(file) > MAX_CODE_POINTS) {
                throw tooLarge(source);
            }
        } catch (IOException e) {
            throw unreadable(source, e);
        }
        try (Reader reader = new UnicodeReader(Files.newInputStream(file))) {
            return read(reader, source, Optional.of(file), defaults);
        } catch (IOException e) {
            throw unreadable(source, e);
        }
    }

    /** @param sourceName what error messages call the text, e.g. {@code embedded demo config} */
    public static ClusterConfig parse(String yaml, String sourceName) {
        return parse(yaml, sourceName, DefaultPaths::forThisProcess);
    }

    /** As {@link #parse(String, String)}, with {@code defaults} for what the text does not set. */
    public static ClusterConfig parse(String yaml, String sourceName, DefaultPaths defaults) {
        return parse(yaml, sourceName, () -> defaults);
    }

    private static ClusterConfig parse(String yaml, String sourceName, Supplier<DefaultPaths> defaults) {
        if (yaml.length() > MAX_CODE_POINTS) {
            throw tooLarge(sourceName);
        }
        return read(new StringReader(yaml), sourceName, Optional.empty(), defaults);
    }

    private static ConfigException unreadable(String source, IOException e) {
        String problem;
        if (e instanceof NoSuchFileException) {
            problem = "no such file";
        } else if (e instanceof AccessDeniedException) {
            problem = "permission denied";
        } else if (e instanceof CharacterCodingException) {
            problem = "not valid UTF-8 text";
        } else {
            problem = "cannot read: " + e.getMessage();
        }
        return new ConfigException(source, "", problem, 0, e);
    }

    private static ConfigException tooLarge(String source) {
        return new ConfigException(source, "", "too large for a config file (more than " + MAX_CODE_POINTS
                + " characters)", 0);
    }

    /** @param defaults asked only when the file leaves control_socket or state_dir out */
    private static ClusterConfig read(Reader reader, String source, Optional<Path> file,
            Supplier<DefaultPaths> defaults) {
        Node root = compose(reader, source);
        if (root == null) {
            throw new ConfigException(source, "", "the file is empty; it needs at least a 'servers' list", 1);
        }
        if (!(root instanceof MappingNode)) {
            throw new ConfigException(source, "", "the top level must be a mapping (servers: ..., log_level: ...)",
                    ConfigNode.line(root));
        }
        ConfigMapping top = ConfigNode.root(source, root).mapping();
        // Read before the servers: it decides whether an unconstrained placeholder is an error there.
        boolean strict = top.flag("strict", false);
        ServerReader.Servers servers = ServerReader.servers(top.required("servers"), strict);
        int logLevel = top.integer("log_level", ClusterConfig.DEFAULT_LOG_LEVEL, 0, 3);
        Optional<Path> logFile = top.filePath("log_file");
        Optional<Path> pidFile = top.filePath("pid_file");
        Duration reconnectMin = top.seconds("reconnect_min", ClusterConfig.DEFAULT_RECONNECT_MIN);
        Duration reconnectMax = top.seconds("reconnect_max", ClusterConfig.DEFAULT_RECONNECT_MAX);
        Duration dedupeWindow = top.secondsOrZero("dedupe_window", ClusterConfig.DEFAULT_DEDUPE_WINDOW);
        int execConcurrency = top.integer("exec_concurrency", ClusterConfig.DEFAULT_EXEC_CONCURRENCY, 1, 1024);
        int execQueue = top.integer("exec_queue", ClusterConfig.DEFAULT_EXEC_QUEUE, 0, 1_000_000);
        Duration execTimeout = top.seconds("exec_timeout", ClusterConfig.DEFAULT_EXEC_TIMEOUT);
        Optional<Path> controlSocket = top.filePath("control_socket");
        Optional<String> hostname = top.optional("hostname").map(ConfigLoader::hostname);
        Duration signatureWindow = top.seconds("signature_window", ClusterConfig.DEFAULT_SIGNATURE_WINDOW);
        ClusterConfig.Limits limits = new ClusterConfig.Limits(
                top.integer("max_line", Wire.DEFAULT_MAX_LINE, MIN_MAX_LINE, MAX_MAX_LINE),
                top.integer("max_pairs", ClusterConfig.Limits.DEFAULT_MAX_PAIRS, 1, 1024),
                top.integer("max_value_length", ClusterConfig.Limits.DEFAULT_MAX_VALUE_LENGTH, 1, MAX_MAX_LINE));
        Optional<ListenAddress> metrics = top.optional("metrics").map(ConfigLoader::listenAddress);
        Optional<Path> stateDir = top.filePath("state_dir");
        int outboxMax = top.integer("outbox_max", ClusterConfig.DEFAULT_OUTBOX_MAX, 1, 10_000_000);
        int ledgerMax = top.integer("ledger_max", ClusterConfig.DEFAULT_LEDGER_MAX, 1, 10_000_000);
        NftablesConfig nftables = NftablesReader.nftables(top);
        Duration actionRetryMax = top.seconds("action_retry_max", ClusterConfig.DEFAULT_ACTION_RETRY_MAX);
        top.finish();

        if (actionRetryMax.compareTo(ClusterConfig.ACTION_RETRY_MIN) < 0) {
            throw top.error("action_retry_max", "must be at least " + Seconds.format(ClusterConfig.ACTION_RETRY_MIN)
                    + " (the first retry comes 1 to 2 s after a failure)");
        }
        if (reconnectMin.compareTo(reconnectMax) > 0) {
            // Blame the key the user wrote; with both written, the lower bound.
            String key = top.contains("reconnect_min") ? "reconnect_min" : "reconnect_max";
            throw top.error(key, "reconnect_min (" + Seconds.format(reconnectMin)
                    + ") must not exceed reconnect_max (" + Seconds.format(reconnectMax) + ")");
        }
        DefaultPaths fallback = controlSocket.isEmpty() || stateDir.isEmpty() ? defaults.get() : null;
        ClusterConfig config = new ClusterConfig(file, servers.fanout(), logLevel, logFile, pidFile, reconnectMin, reconnectMax,
                dedupeWindow, execConcurrency, execQueue, execTimeout,
                controlSocket.orElseGet(() -> fallback.controlSocket()), hostname, strict, signatureWindow,
                limits, metrics, servers.nats(), stateDir.orElseGet(() -> fallback.stateDir()), outboxMax, ledgerMax,
                nftables, actionRetryMax);
        NftablesReader.distinctStems(config.enforcedChannels(), source);
        return config;
    }

    /** Compared with a message's {@code source=} value, so it must be something a message can carry. */
    private static String hostname(ConfigNode node) {
        String name = node.nonBlankString().trim();
        if (name.chars().anyMatch(c -> c == ',' || Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw node.error("a host name cannot contain ',', spaces or control characters");
        }
        return name;
    }

    private static ListenAddress listenAddress(ConfigNode node) {
        try {
            return ListenAddress.parse(node.nonBlankString());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    static Node compose(Reader reader, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setAllowRecursiveKeys(false);
        try {
            return new Composer(new ParserImpl(new StreamReader(reader), options), new Resolver(), options)
                    .getSingleNode();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String context = e.getContext() == null ? "" : e.getContext() + ": ";
            throw new ConfigException(source, "", "not valid YAML: " + context + e.getProblem(),
                    mark == null ? 0 : mark.getLine() + 1, e);
        } catch (YAMLException e) {
            // snakeyaml wraps the reader's I/O errors (bad UTF-8 among them).
            if (e.getCause() instanceof IOException io) {
                throw unreadable(source, io);
            }
            throw new ConfigException(source, "", "not valid YAML: " + e.getMessage(), 0, e);
        }
    }
}
