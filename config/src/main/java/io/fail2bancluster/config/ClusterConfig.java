package io.fail2bancluster.config;

import io.fail2bancluster.protocol.MessageLimits;
import io.fail2bancluster.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration file, validated. Built only by {@link ConfigLoader}; everything the agent
 * and the client need is decided here, before anything starts.
 *
 * @param source          the file it was read from (for messages), or empty for an embedded config
 * @param servers         fanout servers, in file order
 * @param logLevel        0 errors, 1 warnings, 2 infos (default), 3 debug
 * @param logFile         appended to; empty means stderr
 * @param pidFile         written by {@code fail2ban-clusterd start}; empty means none
 * @param reconnectMin    first reconnect delay bound (default 1 s)
 * @param reconnectMax    largest reconnect delay (default 60 s)
 * @param dedupeWindow    how long copies of one message are counted across servers (default 5 s, zero = off)
 * @param execConcurrency actions running at once (default 4)
 * @param execQueue       actions waiting to run before new ones are dropped (default 10000)
 * @param execTimeout     an action running longer is killed with its children (default 60 s)
 * @param controlSocket   the agent's Unix control socket (default: see {@link DefaultPaths})
 * @param configuredHostname the {@code hostname} key: what {@code skip_own} channels compare a message's
 *                        {@code source} with; empty means the machine's fully qualified name, see {@link #hostname()}
 * @param strict          every placeholder an action uses must be constrained by a filter entry (default false)
 * @param signatureWindow how far a signed message's {@code ts} may be from the agent's clock (default 300 s)
 * @param limits          bounds on what one line from a server may carry
 * @param metrics         where the agent serves Prometheus metrics; empty (the default) means it does not
 * @param natsServers     NATS JetStream clusters ({@code nats:} server entries), in file order
 * @param stateDir        where the agent keeps what must survive a restart: its outbox, its stream positions
 *                        (default: see {@link DefaultPaths})
 * @param outboxMax       entries the agent's outbox (under {@code stateDir}) holds before it refuses more
 *                        (default 100000)
 * @param ledgerMax       entries the agent's ledger of bans in force (under {@code stateDir}) holds before it
 *                        refuses new ones (default 100000)
 * @param nftables        the table the {@code enforce: nftables} channels write to ({@link NftablesConfig#DEFAULTS}
 *                        when the file has no {@code nftables:} block)
 * @param actionRetryMax  the longest wait between two tries of a failing action (default 5 min; docs/retries.md)
 */
public record ClusterConfig(
        Optional<Path> source,
        List<ServerConfig> servers,
        int logLevel,
        Optional<Path> logFile,
        Optional<Path> pidFile,
        Duration reconnectMin,
        Duration reconnectMax,
        Duration dedupeWindow,
        int execConcurrency,
        int execQueue,
        Duration execTimeout,
        Path controlSocket,
        Optional<String> configuredHostname,
        boolean strict,
        Duration signatureWindow,
        Limits limits,
        Optional<ListenAddress> metrics,
        List<NatsServerConfig> natsServers,
        Path stateDir,
        int outboxMax,
        int ledgerMax,
        NftablesConfig nftables,
        Duration actionRetryMax) {

    public static final Path DEFAULT_PATH = Path.of("/etc/fail2ban-cluster.yml");
    public static final int DEFAULT_LOG_LEVEL = 2;
    public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofSeconds(5);
    public static final int DEFAULT_EXEC_CONCURRENCY = 4;
    public static final int DEFAULT_EXEC_QUEUE = 10_000;
    public static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(60);
    /** root's default control socket, the packaged service's; another user's is in its own folders. */
    public static final Path DEFAULT_CONTROL_SOCKET = DefaultPaths.SYSTEM.controlSocket();
    public static final Duration DEFAULT_SIGNATURE_WINDOW = Duration.ofSeconds(300);
    /** root's default state_dir, the packaged service's; another user's is in its own folders. */
    public static final Path DEFAULT_STATE_DIR = DefaultPaths.SYSTEM.stateDir();
    public static final int DEFAULT_OUTBOX_MAX = 100_000;
    public static final int DEFAULT_LEDGER_MAX = 100_000;
    public static final Duration DEFAULT_ACTION_RETRY_MAX = Duration.ofMinutes(5);
    /** The first retry of a failing action comes 1 to 2 s after it failed; action_retry_max is at least this. */
    public static final Duration ACTION_RETRY_MIN = Duration.ofSeconds(1);

    public ClusterConfig {
        servers = List.copyOf(servers);
        natsServers = List.copyOf(natsServers);
        Objects.requireNonNull(stateDir, "stateDir");
        if (outboxMax < 1) {
            throw new IllegalArgumentException("outboxMax must be at least 1, got " + outboxMax);
        }
        if (ledgerMax < 1) {
            throw new IllegalArgumentException("ledgerMax must be at least 1, got " + ledgerMax);
        }
        Objects.requireNonNull(nftables, "nftables");
        if (actionRetryMax.compareTo(ACTION_RETRY_MIN) < 0) {
            throw new IllegalArgumentException("actionRetryMax must be at least " + ACTION_RETRY_MIN + ", got "
                    + actionRetryMax);
        }
    }

    /** A config with the default nftables block and action_retry_max. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket,
                         Optional<String> configuredHostname, boolean strict, Duration signatureWindow, Limits limits,
                         Optional<ListenAddress> metrics, List<NatsServerConfig> natsServers, Path stateDir,
                         int outboxMax, int ledgerMax) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, configuredHostname, strict, signatureWindow, limits, metrics,
                natsServers, stateDir, outboxMax, ledgerMax, NftablesConfig.DEFAULTS, DEFAULT_ACTION_RETRY_MAX);
    }

    /** A config with the default ledger_max. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket,
                         Optional<String> configuredHostname, boolean strict, Duration signatureWindow, Limits limits,
                         Optional<ListenAddress> metrics, List<NatsServerConfig> natsServers, Path stateDir,
                         int outboxMax) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, configuredHostname, strict, signatureWindow, limits, metrics,
                natsServers, stateDir, outboxMax, DEFAULT_LEDGER_MAX);
    }

    /** A config with the default outbox_max. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket,
                         Optional<String> configuredHostname, boolean strict, Duration signatureWindow, Limits limits,
                         Optional<ListenAddress> metrics, List<NatsServerConfig> natsServers, Path stateDir) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, configuredHostname, strict, signatureWindow, limits, metrics,
                natsServers, stateDir, DEFAULT_OUTBOX_MAX);
    }

    /** A config with fanout servers only and the default state_dir. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket,
                         Optional<String> configuredHostname, boolean strict, Duration signatureWindow, Limits limits,
                         Optional<ListenAddress> metrics) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, configuredHostname, strict, signatureWindow, limits, metrics,
                List.of(), DEFAULT_STATE_DIR);
    }

    /** A config without a metrics listener. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket,
                         Optional<String> configuredHostname, boolean strict, Duration signatureWindow, Limits limits) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, configuredHostname, strict, signatureWindow, limits,
                Optional.empty());
    }

    /** A config of the original kind: no hostname key, not strict, default signature window and limits. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, Optional.empty());
    }

    /** A config without the security keys: not strict, default signature window and limits. */
    public ClusterConfig(Optional<Path> source, List<ServerConfig> servers, int logLevel, Optional<Path> logFile,
                         Optional<Path> pidFile, Duration reconnectMin, Duration reconnectMax, Duration dedupeWindow,
                         int execConcurrency, int execQueue, Duration execTimeout, Path controlSocket,
                         Optional<String> configuredHostname) {
        this(source, servers, logLevel, logFile, pidFile, reconnectMin, reconnectMax, dedupeWindow, execConcurrency,
                execQueue, execTimeout, controlSocket, configuredHostname, false, DEFAULT_SIGNATURE_WINDOW,
                Limits.DEFAULTS);
    }

    /**
     * This host's name as publishers write it in {@code source=}: the {@code hostname} key, else the
     * machine's fully qualified name. The latter is a (blocking) DNS lookup, made once per process and
     * only when asked for, so the client, which reads the same file on every ban, never pays for it.
     */
    public String hostname() {
        return configuredHostname.orElseGet(LocalHostname::fullyQualified);
    }

    /** The machine's fully qualified name: {@link #hostname()} of a config without the key, for a command without a config. */
    public static String machineHostname() {
        return LocalHostname.fullyQualified();
    }

    /** Whether any channel ignores its own host's messages, i.e. whether {@link #hostname()} is needed. */
    public boolean skipsOwnMessages() {
        return servers.stream().flatMap(s -> s.channels().stream()).anyMatch(ChannelConfig::skipOwn);
    }

    /**
     * What one line from a server may carry; a line past any of them is dropped before the filter.
     *
     * @param maxLine        bytes in a line (default 64 KiB); longer lines are skipped, never buffered
     * @param maxPairs       {@code key=value} pairs in a message (default 32)
     * @param maxValueLength characters in one value (default 1024)
     */
    public record Limits(int maxLine, int maxPairs, int maxValueLength) {
        public static final int DEFAULT_MAX_PAIRS = 32;
        public static final int DEFAULT_MAX_VALUE_LENGTH = 1024;
        public static final Limits DEFAULTS = new Limits(Wire.DEFAULT_MAX_LINE, DEFAULT_MAX_PAIRS,
                DEFAULT_MAX_VALUE_LENGTH);

        /** What a received message is held to when it is parsed. */
        public MessageLimits message() {
            return new MessageLimits(maxPairs, maxValueLength);
        }
    }

    /**
     * What the agent should say at start-up about a config that is valid but probably not what was
     * meant. Derived from the records, so it holds for a config built in code as well as a loaded one.
     */
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        Map<String, ServerConfig> byAddress = new HashMap<>();
        for (ServerConfig server : servers) {
            ServerConfig first = byAddress.putIfAbsent(server.address(), server);
            if (first != null) {
                warnings.add(server.path() + " (" + server.address() + "): same address as " + first.path()
                        + ", so every message arrives twice");
            }
            channelWarnings(server.channels(), warnings);
        }
        for (NatsServerConfig server : natsServers) {
            channelWarnings(server.channels(), warnings);
        }
        if (dedupeWindow.isZero()) {
            for (String channel : channelsOnSeveralServers()) {
                warnings.add("dedupe_window is 0: a message published to every server carrying " + channel
                        + " runs once per server");
            }
        }
        return warnings;
    }

    private static void channelWarnings(List<ChannelConfig> channels, List<String> warnings) {
        for (ChannelConfig channel : channels) {
            String where = channel.path() + " (" + channel.name() + "): ";
            if (channel.name().equals(Wire.DEBUG_CHANNEL)) {
                warnings.add(where + "this is the server's own channel; its lines never run an action");
            } else if (!channel.acts()) {
                warnings.add(where + "no action, messages on this channel run nothing");
            } else if (channel.filters().isEmpty()) {
                warnings.add(where + "no filter, every message on this channel runs the action");
            }
            if (channel.action().isPresent() && !channel.name().equals(Wire.DEBUG_CHANNEL)) {
                for (String placeholder : channel.unconstrainedPlaceholders()) {
                    warnings.add(where + unconstrained(placeholder) + " (strict: true makes this an error)");
                }
            }
        }
    }

    /** Why an unconstrained placeholder is a risk, for the warning and for strict's error. */
    static String unconstrained(String placeholder) {
        if (placeholder.equals(ActionTemplate.WHOLE_MESSAGE)) {
            return "the action uses %_msg%, which hands the whole message to the action unchecked";
        }
        return "the action uses %" + placeholder + "% but no filter entry constrains '" + placeholder
                + "', so a publisher chooses that argument freely";
    }

    private Set<String> channelsOnSeveralServers() {
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new LinkedHashSet<>();
        List<List<ChannelConfig>> all = new ArrayList<>();
        servers.forEach(s -> all.add(s.channels()));
        natsServers.forEach(s -> all.add(s.channels()));
        for (List<ChannelConfig> channels : all) {
            for (ChannelConfig channel : channels) {
                if (channel.acts() && !seen.add(channel.name())) {
                    repeated.add(channel.name());
                }
            }
        }
        return repeated;
    }

    /** NATS clusters that carry a channel of this name, in file order. */
    public List<NatsServerConfig> natsServersWithChannel(String channel) {
        return natsServers.stream().filter(s -> s.channel(channel).isPresent()).toList();
    }

    /** Every channel with {@code enforce: nftables}, fanout servers' then NATS clusters', in file order. */
    public List<ChannelConfig> enforcedChannels() {
        List<ChannelConfig> all = new ArrayList<>();
        servers.forEach(s -> all.addAll(s.channels()));
        natsServers.forEach(s -> all.addAll(s.channels()));
        return all.stream().filter(c -> c.enforce().isPresent()).toList();
    }

    /** Fanout servers that carry a channel of this name, in file order. */
    public List<ServerConfig> serversWithChannel(String channel) {
        return servers.stream().filter(s -> s.channel(channel).isPresent()).toList();
    }
}
