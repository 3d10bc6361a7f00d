package io.fail2bancluster.client;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of {@code ban}, {@code unban}, {@code import} and {@code bans}: the subcommand's own options
 * and its one argument, and the publish options it passes on unchanged to {@link ClientArgs} (the targets, TLS,
 * timeout, signing, {@code -v}, {@code -q}), so every command that publishes takes exactly {@code publish}'s.
 * Short options are read as their long names ({@code -c} is {@code --channel}).
 */
final class SubcommandArgs {
    /** {@code publish}'s options that take a value, passed on. */
    private static final Set<String> PUBLISH_VALUES = Set.of("--channel", "--config", "--host", "--nats", "--port",
            "--timeout", "--ca-file", "--cert-file", "--key-file", "--server-name", "--secret-file");
    private static final Set<String> PUBLISH_FLAGS = Set.of("--tls", "--verbose", "--quiet");
    private static final Map<String, String> SHORT = Map.of("-c", "--channel", "-p", "--port", "-v", "--verbose",
            "-q", "--quiet", "-h", "--help");

    private final Map<String, String> own = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final List<String> passedOn = new ArrayList<>();

    private SubcommandArgs() {
    }

    /**
     * @param values    the subcommand's own options that take a value (long names)
     * @param flags     its own options without one
     * @param publishes whether {@code publish}'s options are passed on (else they are unknown here)
     * @throws UsageException an unknown option, a missing value, an option given twice
     */
    static SubcommandArgs parse(List<String> args, Set<String> values, Set<String> flags, boolean publishes) {
        SubcommandArgs parsed = new SubcommandArgs();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-") || arg.equals("-")) {
                parsed.positional.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq > 0 ? arg.substring(0, eq) : arg;
            name = SHORT.getOrDefault(name, name);
            String inline = eq > 0 ? arg.substring(eq + 1) : null;
            boolean mine = values.contains(name) || flags.contains(name) || name.equals("--help");
            boolean passed = publishes && (PUBLISH_VALUES.contains(name) || PUBLISH_FLAGS.contains(name)
                    || name.equals("--agent"));
            if (!mine && !passed && !name.equals("--agent")) {
                throw new UsageException("unknown option " + name);
            }
            String value;
            if (name.equals("--agent")) {
                // its socket is optional: the next argument is it only when it names a socket, not an address or a file
                value = inline != null ? inline : i + 1 < args.size() && isSocket(args.get(i + 1)) ? args.get(++i) : "";
            } else if (values.contains(name) || PUBLISH_VALUES.contains(name)) {
                if (inline == null && i + 1 == args.size()) {
                    throw new UsageException(name + " needs a value");
                }
                value = inline != null ? inline : args.get(++i);
            } else {
                if (inline != null) {
                    throw new UsageException(name + " takes no value");
                }
                value = "";
            }
            if (mine || !passed) {
                if (parsed.own.put(name, value) != null) {
                    throw new UsageException(name + " given twice");
                }
            } else {
                parsed.passedOn.add(value.isEmpty() && !PUBLISH_VALUES.contains(name) ? name : name + "=" + value);
            }
        }
        return parsed;
    }

    /** An existing file that is neither a regular file nor a folder (a socket), or a path ending in {@code .sock}. */
    private static boolean isSocket(String arg) {
        if (arg.startsWith("-")) {
            return false;
        }
        try {
            Path path = Path.of(arg);
            return Files.exists(path) ? !Files.isRegularFile(path) && !Files.isDirectory(path) : arg.endsWith(".sock");
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** Whether a publish option was given, to be passed on. */
    boolean passes(String option) {
        return passedOn.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
    }

    boolean has(String option) {
        return own.containsKey(option);
    }

    /** The option's value, or {@code fallback} when it was not given. */
    String value(String option, String fallback) {
        return own.getOrDefault(option, fallback);
    }

    /** The one argument the subcommand takes, named {@code what} in the error when it is missing or repeated. */
    String single(String what) {
        if (positional.size() != 1) {
            throw new UsageException(positional.isEmpty() ? what + " is required"
                    : "one " + what + " at a time, got " + String.join(" ", positional));
        }
        return positional.get(0);
    }

    /** @throws UsageException when the subcommand was given an argument; it takes options only */
    void none(String what) {
        if (!positional.isEmpty()) {
            throw new UsageException("unexpected argument " + positional.get(0) + " (" + what + ")");
        }
    }

    /**
     * The publish options to hand to {@link ClientArgs}, with the channel {@code Fail2ban} unless one was given
     * and a message to be replaced ({@link ClientArgs.Publish#withMessage}).
     */
    String[] publishArgs() {
        List<String> argv = new ArrayList<>(passedOn);
        if (argv.stream().noneMatch(a -> a.startsWith("--channel="))) {
            argv.add("--channel=" + Resync.DEFAULT_CHANNEL);
        }
        argv.add("--message=(made by the subcommand)");
        return argv.toArray(new String[0]);
    }
}
