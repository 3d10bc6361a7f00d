package io.fail2bancluster.client;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.DefaultPaths;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.NatsUrls;
import io.fail2bancluster.config.TlsConfig;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The command line of {@code fail2ban-cluster-client}, parsed and checked. Accepts
 * {@code publish -c CH -m MSG ...} and the original form without the word {@code publish}, and
 * both {@code --opt value} and {@code --opt=value}.
 *
 * <p>Hand-written rather than JCommander: JCommander reads its annotations through reflection and
 * dynamic proxies, which measured several hundred milliseconds of start-up on this machine, more
 * than the rest of the client together, and every ban waits for the client. The grammar is fifteen
 * options.
 */
final class ClientArgs {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final int DEFAULT_PORT = 1986;
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    /** What the command line asks for. */
    sealed interface Request permits Help, Version, Publish {
    }

    record Help() implements Request {
    }

    record Version() implements Request {
    }

    /**
     * An announce to make.
     *
     * @param target the single {@code --host} target, or null to take the servers from {@code config}
     * @param config the config file to read when there is no {@code --host}
     * @param secretFile the key to sign with, or null for the channel's first {@code secret_files} entry in
     *                   the config (and no signature with {@code --host} or on an unsigned channel)
     * @param nats       the single {@code --nats} cluster, or null (then {@code target} or the config decide)
     * @param quiet      no warnings on stderr (errors still are)
     * @param agent      {@code --agent}: the local agent's control socket to hand the message to, or null
     */
    record Publish(String channel, String message, FanoutDestination target, Path config, Duration timeout, boolean verbose,
                   Path secretFile, NatsServerConfig nats, boolean quiet, Path agent) implements Request {
        /** The one destination the command line names ({@code --host}, {@code --nats}, {@code --agent}), or null for the config's. */
        Destination destination() {
            return agent != null ? new AgentDestination(agent) : nats != null ? new NatsDestination(nats) : target;
        }

        /** The same publish of another message: {@code ban}, {@code unban} and {@code import} make theirs. */
        Publish withMessage(String text) {
            return new Publish(channel, text, target, config, timeout, verbose, secretFile, nats, quiet, agent);
        }

        /** The same publish with another deadline. */
        Publish withTimeout(Duration deadline) {
            return new Publish(channel, message, target, config, deadline, verbose, secretFile, nats, quiet, agent);
        }

        Publish(String channel, String message, FanoutDestination target, Path config, Duration timeout, boolean verbose) {
            this(channel, message, target, config, timeout, verbose, null, null, false, null);
        }

        Publish(String channel, String message, FanoutDestination target, Path config, Duration timeout, boolean verbose,
                Path secretFile) {
            this(channel, message, target, config, timeout, verbose, secretFile, null, false, null);
        }
    }

    private final String[] argv;
    private int index;
    private String channel;
    private String message;
    private String config;
    private String host;
    private String nats;
    private String port;
    private String timeout;
    private boolean tls;
    private String caFile;
    private String certFile;
    private String keyFile;
    private String serverName;
    private String secretFile;
    private boolean verbose;
    private boolean quiet;
    /** {@code --agent}, with or without its socket: null when not given, "" for the default socket. */
    private String agent;
    private boolean help;
    private boolean version;

    private ClientArgs(String[] argv) {
        this.argv = argv;
    }

    /** @throws UsageException when the command line is malformed; nothing has been done yet then */
    static Request parse(String... argv) {
        ClientArgs args = new ClientArgs(argv);
        args.readAll();
        return args.toRequest();
    }

    private void readAll() {
        if (argv.length > 0 && argv[0].equals("publish")) {
            index = 1;
        }
        while (index < argv.length) {
            String arg = argv[index++];
            int eq = arg.indexOf('=');
            // "--opt=value" is split only where an option stands; a value is never looked into
            boolean joined = arg.startsWith("-") && eq > 0;
            String name = joined ? arg.substring(0, eq) : arg;
            String inline = joined ? arg.substring(eq + 1) : null;
            switch (name) {
                case "-c", "--channel" -> channel = value(name, inline, channel);
                case "-m", "--message" -> message = value(name, inline, message);
                case "--config" -> config = value(name, inline, config);
                case "--host" -> host = value(name, inline, host);
                case "--nats" -> nats = value(name, inline, nats);
                case "-p", "--port" -> port = value(name, inline, port);
                case "--timeout" -> timeout = value(name, inline, timeout);
                case "--tls" -> tls = flag(name, inline);
                case "--ca-file" -> caFile = value(name, inline, caFile);
                case "--cert-file" -> certFile = value(name, inline, certFile);
                case "--key-file" -> keyFile = value(name, inline, keyFile);
                case "--server-name" -> serverName = value(name, inline, serverName);
                case "--secret-file" -> secretFile = value(name, inline, secretFile);
                case "-v", "--verbose" -> verbose = flag(name, inline);
                case "-q", "--quiet" -> quiet = flag(name, inline);
                case "--agent" -> agent = optionalValue(name, inline, agent);
                case "-h", "--help" -> help = flag(name, inline);
                case "--version" -> version = flag(name, inline);
                default -> throw new UsageException(arg.startsWith("-") && arg.length() > 1
                        ? "unknown option " + name
                        : "unexpected argument " + arg + (arg.equals("publish") ? " (publish must come first)" : ""));
            }
        }
    }

    private String value(String name, String inline, String previous) {
        if (previous != null) {
            throw new UsageException(name + " given twice");
        }
        if (inline != null) {
            return inline;
        }
        if (index == argv.length) {
            throw new UsageException(name + " needs a value");
        }
        return argv[index++];
    }

    /** A value that may be left out: the next argument is it unless it is an option. */
    private String optionalValue(String name, String inline, String previous) {
        if (previous != null) {
            throw new UsageException(name + " given twice");
        }
        if (inline != null) {
            return inline;
        }
        if (index < argv.length && !argv[index].startsWith("-")) {
            return argv[index++];
        }
        return "";
    }

    private static boolean flag(String name, String inline) {
        if (inline != null) {
            throw new UsageException(name + " takes no value");
        }
        return true;
    }

    private Request toRequest() {
        if (help) {
            return new Help();
        }
        if (version) {
            return new Version();
        }
        if (channel == null) {
            throw new UsageException("-c CHANNEL is required");
        }
        if (message == null) {
            throw new UsageException("-m MESSAGE is required");
        }
        FanoutDestination target = null;
        NatsServerConfig natsCluster = null;
        if (agent != null) {
            if (host != null || nats != null || port != null || tls || config != null || secretFile != null) {
                throw new UsageException("--agent hands the message to the local agent, which announces it to its own "
                        + "servers (and signs it with their keys); --host, --nats, -p, --tls, --config and "
                        + "--secret-file do not go with it");
            }
        } else if (nats != null) {
            if (host != null) {
                throw new UsageException("--nats and --host are two different servers; give one of them");
            }
            if (port != null || tls || caFile != null || certFile != null || keyFile != null || serverName != null) {
                throw new UsageException("-p and the TLS options go with --host; with --nats, a tls:// URL uses TLS "
                        + "against the JDK's trust store, and the config's nats: entry takes the other settings");
            }
            natsCluster = natsCluster(nats);
        } else if (host != null) {
            try {
                target = new FanoutDestination(host, port == null ? DEFAULT_PORT : parsePort(), tlsConfig());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } else if (port != null) {
            throw new UsageException("-p PORT needs --host HOST (without --host the servers come from the config)");
        } else if (tls) {
            throw new UsageException("--tls needs --host HOST (without --host each server's tls keys in the config apply)");
        }
        String tlsOption = caFile != null ? "--ca-file" : certFile != null ? "--cert-file"
                : keyFile != null ? "--key-file" : serverName != null ? "--server-name" : null;
        if (tlsOption != null && !tls) {
            throw new UsageException(tlsOption + " needs --tls" + (host == null ? " and --host HOST" : ""));
        }
        return new Publish(channel, message, target, Path.of(config == null ? ClusterConfig.DEFAULT_PATH.toString() : config),
                timeout == null ? DEFAULT_TIMEOUT : parseTimeout(timeout), verbose,
                secretFile == null ? null : Path.of(secretFile), natsCluster, quiet,
                agent == null ? null : agent.isEmpty() ? DefaultPaths.forThisProcess().controlSocket() : Path.of(agent));
    }

    /** {@code --nats URL[,URL...]}: one cluster, the default stream and retention, no auth. */
    private NatsServerConfig natsCluster(String urls) {
        List<URI> parsed = new ArrayList<>();
        for (String url : urls.split(",", -1)) {
            try {
                URI uri = NatsUrls.parse(url);
                if (!parsed.contains(uri)) {
                    parsed.add(uri);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("--nats: " + e.getMessage());
            }
        }
        if (!NatsUrls.isSubjectToken(channel)) {
            throw new UsageException("a channel published to NATS is letters, digits, '_' and '-' (it is a subject "
                    + "token), got " + channel);
        }
        boolean tlsUrl = parsed.stream().anyMatch(NatsUrls::isTls);
        return new NatsServerConfig("--nats", parsed, NatsServerConfig.DEFAULT_STREAM, OptionalInt.empty(),
                NatsServerConfig.DEFAULT_RETENTION, NatsAuth.NONE,
                tlsUrl ? Optional.of(TlsConfig.verifying(parsed.get(0).getHost())) : Optional.empty(), List.of());
    }

    /** What --tls and its options ask for; empty without --tls. */
    private Optional<TlsConfig> tlsConfig() {
        if (!tls) {
            return Optional.empty();
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new UsageException("--cert-file and --key-file go together (a client certificate and its key)");
        }
        return Optional.of(new TlsConfig(serverName != null ? serverName : host, path(caFile), path(certFile),
                path(keyFile)));
    }

    private static Optional<Path> path(String file) {
        return file == null ? Optional.empty() : Optional.of(Path.of(file));
    }

    private int parsePort() {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new UsageException("-p expects a port number, got " + port);
        }
    }

    /** Seconds with at most millisecond precision, more than 0 and at most an hour (also for {@code resync}). */
    static Duration parseTimeout(String timeout) {
        Duration parsed;
        try {
            parsed = Duration.ofMillis(new BigDecimal(timeout).movePointRight(3).longValueExact());
        } catch (ArithmeticException | NumberFormatException e) {
            throw new UsageException("--timeout expects seconds (e.g. 5 or 0.5, at most millisecond precision), got "
                    + timeout);
        }
        if (parsed.isNegative() || parsed.isZero() || parsed.compareTo(MAX_TIMEOUT) > 0) {
            throw new UsageException("--timeout must be more than 0 and at most 3600 seconds, got " + timeout);
        }
        return parsed;
    }
}
