package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLines;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code check} finds on this host that the file alone cannot show. A log_file the agent cannot open
 * is an error, since {@code start} and {@code run} refuse it; an action's program that is missing is a
 * warning, since it may be installed after the agent (fail2ban itself, say). Both name the line. Nothing
 * is created or written: {@code check} leaves the host as it found it.
 */
final class HostChecks {
    private static final String USER = System.getProperty("user.name");
    private static final List<String> EXAMPLE_DOMAINS = List.of("example.com", "example.net", "example.org", "example");

    private HostChecks() {
    }

    /** Problems that stop the agent from starting, each as {@code file: path: problem, line N}. */
    static List<String> errors(ClusterConfig config, ConfigLines lines) {
        List<String> errors = new ArrayList<>();
        config.logFile().flatMap(HostChecks::logFileProblem)
                .ifPresent(problem -> errors.add(source(config) + ": " + lines.describe("log_file", problem)));
        return errors;
    }

    /**
     * Problems an action will meet when it runs, and servers still named as in the shipped example, each as
     * {@code path: problem, line N}.
     */
    static List<String> warnings(ClusterConfig config, ConfigLines lines) {
        List<String> warnings = new ArrayList<>();
        for (ServerConfig server : config.servers()) {
            if (isExampleName(server.host())) {
                warnings.add(lines.describe(server.path() + ".host", exampleHost(server.host(), "fanout server")));
            }
        }
        for (NatsServerConfig server : config.natsServers()) {
            server.urls().stream().map(URI::getHost).filter(h -> h != null && isExampleName(h)).findFirst()
                    .ifPresent(h -> warnings.add(lines.describe(server.path() + ".nats", exampleHost(h, "NATS servers"))));
        }
        for (ServerConfig server : config.servers()) {
            for (ChannelConfig channel : server.channels()) {
                channel.action().flatMap(a -> program(channel.name(), a)).flatMap(HostChecks::programProblem)
                        .ifPresent(problem -> warnings.add(
                                lines.describe(channel.path() + ".action", problem)));
            }
        }
        return warnings;
    }

    /**
     * A name reserved for examples (RFC 2606): example.com, .net, .org and the .example domain. Such a server
     * cannot be reached: the config is still the example's.
     */
    static boolean isExampleName(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        for (String domain : EXAMPLE_DOMAINS) {
            if (name.equals(domain) || name.endsWith("." + domain)) {
                return true;
            }
        }
        return false;
    }

    private static String exampleHost(String host, String what) {
        return host + " is an example name, not a real host; put your " + what + " here";
    }

    static Optional<String> logFileProblem(Path logFile) {
        Path file = logFile.toAbsolutePath();
        if (Files.isDirectory(file)) {
            return Optional.of(file + " is a directory; the agent appends its log to a file");
        }
        if (Files.exists(file)) {
            return Files.isWritable(file) ? Optional.empty()
                    : Optional.of(file + " cannot be written by " + USER);
        }
        // start creates the missing folders, so the nearest one that exists must take them
        Path folder = file.getParent();
        while (folder != null && !Files.exists(folder)) {
            folder = folder.getParent();
        }
        if (folder == null) {
            return Optional.empty();
        }
        if (!Files.isDirectory(folder)) {
            return Optional.of("cannot create " + file + ": " + folder + " is not a directory");
        }
        return Files.isWritable(folder) ? Optional.empty()
                : Optional.of("cannot create " + file + ": " + folder + " cannot be written by " + USER);
    }

    /** The program the action runs, when the config spells it out (not a placeholder). */
    private static Optional<String> program(String channel, ActionTemplate action) {
        String argv = ConfigSummary.argv(channel, action);
        if (!argv.startsWith("[")) {
            return Optional.empty();
        }
        String first = argv.substring(1, argv.indexOf(']'));
        return first.isEmpty() || first.contains("%") ? Optional.empty() : Optional.of(first);
    }

    static Optional<String> programProblem(String program) {
        if (program.contains("/")) {
            return fileProblem(Path.of(program), program);
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program)) && !Files.isDirectory(Path.of(dir, program))) {
                return Optional.empty();
            }
        }
        return Optional.of("program " + program + " is not on this PATH (" + path + "); the action fails until it is"
                + " installed");
    }

    private static Optional<String> fileProblem(Path file, String program) {
        if (!Files.exists(file)) {
            return Optional.of("program " + program + " does not exist; the action fails until it is installed");
        }
        if (Files.isDirectory(file)) {
            return Optional.of("program " + program + " is a directory");
        }
        if (!Files.isExecutable(file)) {
            return Optional.of("program " + program + " is not executable (by " + USER + ")");
        }
        return Optional.empty();
    }

    private static String source(ClusterConfig config) {
        return config.source().map(Path::toString).orElse("(embedded config)");
    }
}
