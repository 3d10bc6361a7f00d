package io.fail2bancluster.agent.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Which of the agent's signals this process ignores. A signal ignored when the JVM started stays ignored:
 * the JVM will not install a handler over it ({@code sun.misc.Signal.handle} silently returns SIG_IGN) and
 * Java has no call to reset it. {@code nohup} and a non-interactive shell's {@code &} leave SIGHUP or
 * SIGINT ignored this way, and then {@code kill -HUP} (logrotate's reopen) would do nothing at all. Only
 * whoever starts the JVM can reset them: bin/fail2ban-clusterd and {@link BackgroundStarter} do, with
 * coreutils' {@code env --default-signal}; the agent says loudly when that did not happen.
 */
final class IgnoredSignals {
    /** The signals the agent handles: SIGHUP reloads, SIGINT and SIGTERM stop in order. */
    static final List<String> HANDLED = List.of("HUP", "INT", "TERM");
    private static final long PROBE_TIMEOUT_SECONDS = 5;
    private static final Path STATUS = Path.of("/proc/self/status");

    private IgnoredSignals() {
    }

    /** Those of {@link #HANDLED} that this process ignores; empty when /proc cannot tell. */
    static List<String> ofThisProcess() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("SigIgn:")) {
                    return among(Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or a /proc we cannot read: nothing to say
        }
        return List.of();
    }

    /** Those of {@link #HANDLED} set in a SigIgn mask of /proc/PID/status (bit n-1 for signal n). */
    static List<String> among(long sigIgn) {
        List<String> ignored = new ArrayList<>();
        for (String name : HANDLED) {
            if ((sigIgn & 1L << (number(name) - 1)) != 0) {
                ignored.add(name);
            }
        }
        return ignored;
    }

    private static int number(String name) {
        return switch (name) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "TERM" -> 15;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * The command prefix that starts a program with {@link #HANDLED} at their default dispositions:
     * {@code env --default-signal=HUP,INT,TERM} (coreutils 8.31 and later; Debian 11 and later). Empty when
     * this host's {@code env} does not know the option, so a child still starts and says what it cannot do.
     */
    static List<String> resetCommand() {
        List<String> command = List.of("env", "--default-signal=" + String.join(",", HANDLED));
        try {
            Process probe = new ProcessBuilder(concat(command, "true"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (probe.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return command;
            }
            probe.destroyForcibly();
        } catch (IOException e) {
            // no env on the PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of();
    }

    private static List<String> concat(List<String> command, String program) {
        List<String> all = new ArrayList<>(command);
        all.add(program);
        return all;
    }

    /** What the agent cannot do while {@code signal} stays ignored, and what to use instead. */
    static String consequence(String signal) {
        return switch (signal) {
            case "HUP" -> "SIGHUP is ignored (inherited from the process that started the agent, e.g. nohup): "
                    + "kill -HUP and logrotate will neither reload the config nor reopen the log file; "
                    + "use 'fail2ban-clusterd reload', or start the agent with bin/fail2ban-clusterd or systemd, "
                    + "which reset it";
            default -> "SIG" + signal + " is ignored (inherited from the process that started the agent): "
                    + "kill -" + signal + " will not stop it; use 'fail2ban-clusterd stop'";
        };
    }
}
