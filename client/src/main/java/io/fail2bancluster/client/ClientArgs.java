package io.fail2bancluster.client;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParameterException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command line of {@code fail2ban-cluster-client}, parsed and checked. Accepts
 * {@code publish -c CH -m MSG ...} and the original form without the word {@code publish}, and
 * both {@code --opt value} and {@code --opt=value}.
 */
final class ClientArgs {
    static final Path DEFAULT_CONFIG = Path.of("/etc/fail2ban-cluster.yml");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final int DEFAULT_PORT = 1986;
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    /** Options that take a value: only these are split at their first {@code =}. */
    static final Set<String> VALUE_OPTIONS =
            Set.of("-c", "--channel", "-m", "--message", "--config", "--host", "-p", "--port", "--timeout");

    @Parameter(names = {"-c", "--channel"})
    String channel;

    @Parameter(names = {"-m", "--message"})
    String message;

    @Parameter(names = "--config")
    String config;

    @Parameter(names = "--host")
    String host;

    @Parameter(names = {"-p", "--port"})
    Integer port;

    @Parameter(names = "--timeout")
    String timeout;

    @Parameter(names = {"-v", "--verbose"})
    boolean verbose;

    @Parameter(names = {"-h", "--help"}, help = true)
    boolean help;

    @Parameter(names = "--version", help = true)
    boolean version;

    @Parameter
    List<String> words = new ArrayList<>();

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
     * @param target  the single {@code --host} target, or null to take the servers from {@code config}
     * @param config  the config file to read when there is no {@code --host}
     */
    record Publish(String channel, String message, Target target, Path config, Duration timeout, boolean verbose)
            implements Request {
    }

    /** @throws UsageException when the command line is malformed; nothing has been done yet then */
    static Request parse(String... argv) {
        List<String> args = splitEquals(argv);
        if (!args.isEmpty() && args.get(0).equals("publish")) {
            args = args.subList(1, args.size());
        }
        ClientArgs parsed = new ClientArgs();
        try {
            JCommander.newBuilder().addObject(parsed).expandAtSign(false).build()
                    .parse(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        return parsed.toRequest();
    }

    /**
     * JCommander splits {@code --opt=value} only when told that {@code =} is the separator, and then
     * also splits a value that happens to look like an option ({@code -m "--x=1"}). So we split here,
     * and only where an option name stands, never inside a value.
     */
    static List<String> splitEquals(String... argv) {
        List<String> out = new ArrayList<>(argv.length + 4);
        boolean valueNext = false;
        for (String arg : argv) {
            if (valueNext) {
                out.add(arg);
                valueNext = false;
                continue;
            }
            int eq = arg.indexOf('=');
            if (arg.startsWith("-") && eq > 0 && VALUE_OPTIONS.contains(arg.substring(0, eq))) {
                out.add(arg.substring(0, eq));
                out.add(arg.substring(eq + 1));
            } else {
                out.add(arg);
                valueNext = VALUE_OPTIONS.contains(arg);
            }
        }
        return out;
    }

    private Request toRequest() {
        if (help) {
            return new Help();
        }
        if (version) {
            return new Version();
        }
        if (!words.isEmpty()) {
            throw new UsageException("unexpected argument" + (words.size() > 1 ? "s " : " ")
                    + String.join(" ", words) + (words.contains("publish") ? " (publish must come first)" : ""));
        }
        if (channel == null) {
            throw new UsageException("-c CHANNEL is required");
        }
        if (message == null) {
            throw new UsageException("-m MESSAGE is required");
        }
        Target target = null;
        if (host != null) {
            try {
                target = new Target(host, port == null ? DEFAULT_PORT : port);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } else if (port != null) {
            throw new UsageException("-p PORT needs --host HOST (without --host the servers come from the config)");
        }
        return new Publish(channel, message, target, Path.of(config == null ? DEFAULT_CONFIG.toString() : config),
                parseTimeout(), verbose);
    }

    private Duration parseTimeout() {
        if (timeout == null) {
            return DEFAULT_TIMEOUT;
        }
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
