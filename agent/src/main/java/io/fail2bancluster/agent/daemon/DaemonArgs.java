package io.fail2bancluster.agent.daemon;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParameterException;
import com.beust.jcommander.Parameters;
import io.fail2bancluster.config.ClusterConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line of {@code fail2ban-clusterd [--config FILE] start|stop|restart|status|reload|run|check}.
 *
 * <p>The command is a plain word, not a JCommander sub-command, so {@code --config} may stand before or
 * after it, and no command at all means {@code start}, as the original's README runs
 * {@code fail2ban-clusterd.py --config=/some/other/config.yml}.
 */
@Parameters(separators = "=")
public final class DaemonArgs {

    /** What the daemon is asked to do. */
    public enum Command {
        START, STOP, RESTART, STATUS, RELOAD, RUN, CHECK;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Parameter(names = {"--config", "-c"}, description = "configuration file", order = 0)
    private Path config = ClusterConfig.DEFAULT_PATH;

    // Boolean, not boolean: JCommander prints the default of a field that has one ("Default: false")
    @Parameter(names = "--version", description = "print the version and exit", order = 1)
    private Boolean version;

    @Parameter(names = {"--help", "-h"}, help = true, description = "print this help and exit", order = 2)
    private boolean help;

    /** Set by {@code start} on the background child: its stderr is not a terminal, so no console log. */
    @Parameter(names = "--daemon", hidden = true)
    private boolean daemon;

    @Parameter(description = "start|stop|restart|status|reload|run|check")
    private List<String> words = new ArrayList<>();

    private Command command = Command.START;

    private DaemonArgs() {
    }

    /** @throws UsageException when the words do not form a command line we understand */
    public static DaemonArgs parse(String... argv) {
        DaemonArgs args = new DaemonArgs();
        try {
            commander(args).parse(argv);
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        if (args.words.size() > 1) {
            throw new UsageException("expected one command, got " + String.join(" ", args.words));
        }
        if (args.words.size() == 1) {
            args.command = commandNamed(args.words.get(0));
        }
        return args;
    }

    private static Command commandNamed(String word) {
        for (Command c : Command.values()) {
            if (c.word().equals(word)) {
                return c;
            }
        }
        throw new UsageException("unknown command '" + word + "'; expected start, stop, restart, status, reload, run or check");
    }

    private static JCommander commander(DaemonArgs args) {
        return JCommander.newBuilder().programName("fail2ban-clusterd").addObject(args).build();
    }

    /** The usage text, as {@code --help} prints it. */
    public static String usage() {
        StringBuilder out = new StringBuilder();
        commander(new DaemonArgs()).getUsageFormatter().usage(out);
        return out + """

                Commands (no command means start):
                  start    validate the config and run the agent in the background
                  stop     send SIGTERM to the running agent and wait for it to exit
                  restart  stop, then start
                  status   ask the running agent how its servers are doing
                  reload   make the running agent re-read its config file and reopen its log
                           (also SIGHUP); exit 1 and no change when the config is rejected
                  run      run the agent in the foreground, logging to stderr too (for systemd)
                  check    validate the config and print what the agent would connect to
                """;
    }

    public Path config() {
        return config;
    }

    public boolean version() {
        return Boolean.TRUE.equals(version);
    }

    public boolean help() {
        return help;
    }

    public boolean daemon() {
        return daemon;
    }

    public Command command() {
        return command;
    }

    /** A command line that JCommander or we could not make sense of; printed with a pointer to --help. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }
}
