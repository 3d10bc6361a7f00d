package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.ConfigLines;
import io.fail2bancluster.config.DefaultPaths;
import io.fail2bancluster.util.ProductVersion;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code fail2ban-clusterd}: parses the command line, loads the config once and does the command. Exit
 * codes are in {@link ExitCode}; every config error exits 2 before anything (pid file included) is touched.
 */
public final class Daemon {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final PrintStream out;
    private final PrintStream err;
    private final ConfigSource configs;
    private final RunningAgent.Starter starter;
    private final StopRequest stop;
    private final Supplier<DefaultPaths> defaults;

    /**
     * @param stop what {@code run} waits for; {@code AgentMain} requests it on SIGTERM and SIGINT
     */
    public Daemon(PrintStream out, PrintStream err, ConfigSource configs, RunningAgent.Starter starter,
            StopRequest stop) {
        this(out, err, configs, starter, stop, DefaultPaths::forThisProcess);
    }

    /** @param defaults where status, stop and reload look for the agent when there is no config file */
    Daemon(PrintStream out, PrintStream err, ConfigSource configs, RunningAgent.Starter starter, StopRequest stop,
            Supplier<DefaultPaths> defaults) {
        this.out = out;
        this.err = err;
        this.configs = configs;
        this.starter = starter;
        this.stop = stop;
        this.defaults = defaults;
    }

    public int execute(String... argv) throws InterruptedException {
        DaemonArgs args;
        try {
            args = DaemonArgs.parse(argv);
        } catch (DaemonArgs.UsageException e) {
            err.println("fail2ban-clusterd: " + e.getMessage());
            err.println("Try 'fail2ban-clusterd --help' for more information.");
            return ExitCode.CONFIG_ERROR;
        }
        if (args.help()) {
            out.print(DaemonArgs.usage());
            return ExitCode.OK;
        }
        if (args.version()) {
            out.println("fail2ban-clusterd " + ProductVersion.current());
            return ExitCode.OK;
        }
        ClusterConfig config;
        try {
            config = configs.load(args.config());
        } catch (ConfigException e) {
            if (withoutConfigFile(args, e)) {
                return askDefaultSocket(args.command(), e);
            }
            err.println(e.getMessage());
            return switch (args.command()) {
                case STATUS -> ExitCode.STATUS_UNKNOWN;
                // without a config there is no control socket to ask; the running agent keeps its config
                case RELOAD -> notReloaded();
                default -> ExitCode.CONFIG_ERROR;
            };
        }
        try {
            return switch (args.command()) {
                case CHECK -> check(config);
                case RUN -> run(config, args.daemon());
                case START -> new BackgroundStarter(config, out, err).start(args.config());
                case STOP -> stop(config.controlSocket(), config.pidFile());
                case RESTART -> restart(config, args.config());
                case STATUS -> status(config.controlSocket(), config.pidFile());
                case RELOAD -> reload(config.controlSocket());
            };
        } catch (IOException e) {
            err.println("fail2ban-clusterd " + args.command().word() + ": " + e);
            return ExitCode.FAILED;
        }
    }

    /**
     * status, stop or reload without --config, and no file at the default path: an agent started by hand with
     * the default control socket can still be asked there (it has no pid file that we would know of).
     */
    private static boolean withoutConfigFile(DaemonArgs args, ConfigException e) {
        return args.config().equals(ClusterConfig.DEFAULT_PATH) && e.getCause() instanceof NoSuchFileException
                && EnumSet.of(DaemonArgs.Command.STATUS, DaemonArgs.Command.STOP, DaemonArgs.Command.RELOAD)
                        .contains(args.command());
    }

    private int askDefaultSocket(DaemonArgs.Command command, ConfigException e) throws InterruptedException {
        Path socket = defaults.get().controlSocket();
        err.println(e.getMessage() + "; asking on the default control socket " + socket);
        try {
            return switch (command) {
                case STATUS -> status(socket, Optional.empty());
                case STOP -> stop(socket, Optional.empty());
                default -> reload(socket);
            };
        } catch (IOException io) {
            err.println("fail2ban-clusterd " + command.word() + ": " + io);
            return ExitCode.FAILED;
        }
    }

    /** Also looks at the host: a log_file start would refuse fails the check, a missing program warns. */
    private int check(ClusterConfig config) {
        ConfigLines lines = ConfigLines.of(config);
        List<String> errors = HostChecks.errors(config, lines);
        if (!errors.isEmpty()) {
            errors.forEach(err::println);
            return ExitCode.CONFIG_ERROR;
        }
        out.print(ConfigSummary.describe(config));
        HostChecks.warnings(config, lines).forEach(w -> out.println("warning: " + w));
        return ExitCode.OK;
    }

    private int run(ClusterConfig config, boolean daemonChild) throws InterruptedException {
        Optional<Path> logFile = config.logFile();
        if (logFile.isPresent()) {
            try {
                Logging.checkWritable(logFile.get());
            } catch (IOException e) {
                err.println("cannot open log_file " + logFile.get() + ": " + e);
                return ExitCode.FAILED;
            }
        }
        // in the foreground stderr is the journal; start's child has its stderr on the log file already
        Logging.configure(new Logging.Settings(config.logLevel(), logFile, !daemonChild));
        return new ForegroundAgent(config, configs, !daemonChild, starter, err).run(stop);
    }

    private int restart(ClusterConfig config, Path configFile) throws IOException, InterruptedException {
        int stopped = stop(config.controlSocket(), config.pidFile());
        return stopped != ExitCode.OK ? stopped : new BackgroundStarter(config, out, err).start(configFile);
    }

    private int stop(Path socket, Optional<Path> pidFile) throws IOException, InterruptedException {
        AgentLocator.Found found = AgentLocator.locate(socket, pidFile);
        if (found instanceof AgentLocator.Found.Dead dead) {
            PidFile.of(dead.pidFile()).deleteIfOwnedBy(dead.pid());
            out.println("not running (removed stale pid file " + dead.pidFile() + ", pid " + dead.pid() + ")");
            return ExitCode.OK;
        }
        if (!(found instanceof AgentLocator.Found.Running running)) {
            out.println("not running");
            return ExitCode.OK;
        }
        if (running.pid() == ProcessHandle.current().pid()) {
            err.println("refusing to stop pid " + running.pid() + ": that is this very process");
            return ExitCode.FAILED;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(running.pid());
        if (process.isEmpty()) {
            out.println("not running (pid " + running.pid() + " just exited)");
            return ExitCode.OK;
        }
        process.get().destroy();
        try {
            process.get().onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            err.println("pid " + running.pid() + " did not exit within " + STOP_TIMEOUT.toSeconds() + " s");
            return ExitCode.FAILED;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        // a clean stop removed it; a crash on the way out would leave it behind
        if (pidFile.isPresent()) {
            PidFile.of(pidFile.get()).deleteIfOwnedBy(running.pid());
        }
        out.println("stopped (pid " + running.pid() + ")");
        return ExitCode.OK;
    }

    /**
     * Asks the running agent to re-read its config file (the one it was started with). Exits 0 when it
     * applied it, printing what changed and what needs a restart; 1 when it rejected it (the error names
     * file and line) or no agent answers.
     */
    private int reload(Path socket) {
        ControlReply reply;
        try {
            reply = ControlClient.request(socket, "reload");
        } catch (IOException e) {
            err.println("fail2ban-clusterd reload: no agent answers on " + socket + " (" + e.getMessage()
                    + "); is it running?");
            return ExitCode.FAILED;
        }
        if (!reply.isOk()) {
            err.println(reply.error().orElseThrow());
            return notReloaded();
        }
        out.println("reloaded " + reply.field("config").orElse("the config"));
        reply.fields().forEach((key, value) -> {
            if (key.startsWith("change.")) {
                out.println("  " + value);
            } else if (key.startsWith("warning.")) {
                out.println("  warning: " + value);
            }
        });
        return ExitCode.OK;
    }

    private int notReloaded() {
        err.println("not reloaded: the running agent keeps its configuration");
        return ExitCode.FAILED;
    }

    private int status(Path socket, Optional<Path> pidFile) throws IOException {
        AgentLocator.Found found = AgentLocator.locate(socket, pidFile);
        if (found instanceof AgentLocator.Found.Running running) {
            if (running.report().isPresent()) {
                out.print(running.report().get().render());
            } else if (running.socketRefused()) {
                // a live agent always listens on its socket; refused means nobody is there to answer
                out.println("dead: pid " + running.pid() + " does not answer (" + running.socketProblem() + ")");
                return ExitCode.FAILED;
            } else {
                out.println("running (pid " + running.pid() + "); no details: " + running.socketProblem());
            }
            return ExitCode.OK;
        }
        if (found instanceof AgentLocator.Found.Dead dead) {
            out.println("dead: pid file " + dead.pidFile() + " names pid " + dead.pid() + ", which is not running");
            return ExitCode.FAILED;
        }
        out.println("stopped");
        return ExitCode.STATUS_STOPPED;
    }
}
