package io.fail2bancluster.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 * @param controlSocket   the agent's Unix control socket (default /run/fail2ban-cluster/control.sock)
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
        Path controlSocket) {

    public static final Path DEFAULT_PATH = Path.of("/etc/fail2ban-cluster.yml");
    public static final int DEFAULT_LOG_LEVEL = 2;
    public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofSeconds(5);
    public static final int DEFAULT_EXEC_CONCURRENCY = 4;
    public static final int DEFAULT_EXEC_QUEUE = 10_000;
    public static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(60);
    public static final Path DEFAULT_CONTROL_SOCKET = Path.of("/run/fail2ban-cluster/control.sock");

    public ClusterConfig {
        servers = List.copyOf(servers);
    }

    /** Servers that carry a channel of this name, in file order. */
    public List<ServerConfig> serversWithChannel(String channel) {
        return servers.stream().filter(s -> s.channel(channel).isPresent()).toList();
    }
}
