package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code start}: runs {@code run --daemon} in a new JVM detached from the terminal and waits until it is
 * up (its pid file, or else its control socket, names it) or has died, and says which.
 */
public final class BackgroundStarter {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 50;
    private static final int LOG_TAIL_BYTES = 4096;
    private static final File DEV_NULL = new File("/dev/null");

    private final ClusterConfig config;
    private final PrintStream out;
    private final PrintStream err;

    public BackgroundStarter(ClusterConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.out = out;
        this.err = err;
    }

    public int start(Path configFile) throws IOException, InterruptedException {
        AgentLocator.Found found = AgentLocator.locate(config);
        if (found instanceof AgentLocator.Found.Running running) {
            err.println("already running (pid " + running.pid() + ")");
            return ExitCode.FAILED;
        }
        if (found instanceof AgentLocator.Found.Dead dead) {
            Files.deleteIfExists(dead.pidFile());
            out.println("removed stale pid file " + dead.pidFile() + " (pid " + dead.pid() + " is not running)");
        }
        if (config.logFile().isPresent()) {
            try {
                Logging.checkWritable(config.logFile().get());
            } catch (IOException e) {
                err.println("cannot open log_file " + config.logFile().get() + ": " + e);
                return ExitCode.FAILED;
            }
        }
        long logSizeBefore = config.logFile().map(BackgroundStarter::sizeOf).orElse(0L);
        ProcessBuilder builder = new ProcessBuilder(childCommand(configFile))
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        // stdout/stderr catch what log4j cannot (a JVM crash); with no log file there is nowhere to keep them
        ProcessBuilder.Redirect output = config.logFile()
                .map(f -> ProcessBuilder.Redirect.appendTo(f.toFile()))
                .orElse(ProcessBuilder.Redirect.DISCARD);
        Process child = builder.redirectOutput(output).redirectError(output).start();

        Optional<Long> readyPid = awaitReady(child);
        if (readyPid.isPresent()) {
            out.println("started (pid " + readyPid.get() + ")");
            notes().forEach(out::println);
            return ExitCode.OK;
        }
        if (child.isAlive()) {
            err.println("the agent (pid " + child.pid() + ") did not report ready within "
                    + READY_TIMEOUT.toSeconds() + " s; it is still running" + logHint());
            return ExitCode.FAILED;
        }
        err.println("the agent exited with status " + child.exitValue() + " while starting" + logHint());
        config.logFile().ifPresent(f -> tail(f, logSizeBefore).ifPresent(err::print));
        return ExitCode.FAILED;
    }

    /** The pid of the agent once its pid file or control socket names it; empty if the child died or time ran out. */
    private Optional<Long> awaitReady(Process child) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (AgentLocator.locate(config) instanceof AgentLocator.Found.Running running) {
                return Optional.of(running.pid());
            }
            if (!child.isAlive()) {
                return Optional.empty();
            }
            Thread.sleep(POLL_MILLIS);
        }
        return Optional.empty();
    }

    private List<String> notes() {
        List<String> notes = new ArrayList<>();
        if (config.pidFile().isEmpty()) {
            notes.add("note: no pid_file configured; status and stop find the agent through the control socket "
                    + config.controlSocket());
        }
        if (config.logFile().isEmpty()) {
            notes.add("note: no log_file configured; the background agent's log is discarded "
                    + "(set log_file, or run it in the foreground under systemd with 'run')");
        }
        return notes;
    }

    private String logHint() {
        return config.logFile().map(f -> "; see " + f).orElse("; run 'fail2ban-clusterd run' to see why");
    }

    /**
     * The same java, class path and JVM options as this process, running {@code run --daemon}; under
     * {@code setsid} when there is one, so the agent has no controlling terminal and a Ctrl-C or a closed
     * ssh session does not reach it. Signals this process ignores (started under {@code nohup}, or with
     * {@code java} rather than bin/fail2ban-clusterd) would stay ignored in the child, so they are reset
     * there (see {@link IgnoredSignals}).
     */
    List<String> childCommand(Path configFile) {
        List<String> command = new ArrayList<>();
        onPath("setsid").ifPresent(command::add);
        if (!IgnoredSignals.ofThisProcess().isEmpty()) {
            command.addAll(IgnoredSignals.resetCommand());
        }
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(BackgroundStarter::isInheritable)
                .forEach(command::add);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AgentMain.class.getName());
        command.add("--config");
        command.add(configFile.toAbsolutePath().toString());
        command.add("run");
        command.add("--daemon");
        return command;
    }

    /** A debugger or profiler attached to {@code start} would try to bind its port twice. */
    static boolean isInheritable(String jvmOption) {
        return !(jvmOption.startsWith("-agentlib:") || jvmOption.startsWith("-agentpath:")
                || jvmOption.startsWith("-javaagent:") || jvmOption.startsWith("-Xrunjdwp")
                || jvmOption.equals("-Xdebug"));
    }

    private static Optional<String> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** What the child appended to the log, at most the last few KiB of it. */
    private static Optional<String> tail(Path file, long from) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(from, raf.length() - LOG_TAIL_BYTES);
            byte[] bytes = new byte[(int) Math.max(0, raf.length() - start)];
            raf.seek(start);
            raf.readFully(bytes);
            return bytes.length == 0 ? Optional.empty() : Optional.of(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
