package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import io.fail2bancluster.util.BlockingCallGuard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real JVM process started from the test class path (broker, agent, client mains), with its
 * output collected line by line so tests can wait for what it says. Closing kills it. A foreign
 * program (the reference fanout server) gets the same harness through {@link #startCommand}.
 */
public final class JavaProcess implements AutoCloseable {
    /** The mains that install BlockHound when {@link BlockingCallGuard#ENV} is set. */
    private static final Set<String> GUARDED_MAINS = Set.of(
            "io.fail2bancluster.agent.daemon.AgentMain", "io.fail2bancluster.broker.BrokerMain",
            "io.fail2bancluster.broker.PlantedSleepBroker", "io.fail2bancluster.broker.PlantedErrorBroker");
    /**
     * Every process starts with SIGHUP, SIGINT and SIGTERM at their defaults, as systemd and the launchers
     * start it: a build run under {@code nohup} (or from a script's {@code &}) must not hand its ignored
     * SIGHUP down to the agents it tests. IgnoredSignalsIT ignores them on purpose.
     */
    private static final List<String> DEFAULT_SIGNALS = List.of("env", "--default-signal=HUP,INT,TERM");
    private final String name;
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread stdoutPump;
    private final Thread stderrPump;
    private volatile boolean blockingCallExpected;

    private JavaProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdoutPump = pump(process.getInputStream(), stdout, name + " stdout");
        this.stderrPump = pump(process.getErrorStream(), stderr, name + " stderr");
    }

    /** Starts {@code mainClass} with {@code args}; {@code jvmArgs} go before the class name. */
    public static JavaProcess start(String name, List<String> jvmArgs, Class<?> mainClass, String... args) {
        return start(name, jvmArgs, null, mainClass, args);
    }

    public static JavaProcess start(String name, List<String> jvmArgs, Path workDir, Class<?> mainClass,
            String... args) {
        return startCommand(name, javaCommand(jvmArgs, mainClass, args), workDir);
    }

    /** The command line {@link #start} runs: this JVM's java on the test class path. */
    public static List<String> javaCommand(List<String> jvmArgs, Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx64m");
        command.add("-Dio.netty.jfr.enabled=false");
        if (GUARDED_MAINS.contains(mainClass.getName())) {
            // BlockHound needs it (see BlockingCallGuard); other mains would only print its deprecation warning
            command.add(BlockingCallGuard.JVM_FLAG);
        }
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** Starts any program with the same output collection, e.g. a C server that no one here wrote. */
    public static JavaProcess startCommand(String name, List<String> command, Path workDir) {
        List<String> withDefaultSignals = new ArrayList<>(DEFAULT_SIGNALS);
        withDefaultSignals.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(withDefaultSignals);
        // agent and broker processes run with BlockHound on; close() fails on its exit status. Set for every
        // process, so the load test's own brokers inherit it.
        builder.environment().put(BlockingCallGuard.ENV, "1");
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        try {
            return new JavaProcess(name, builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    public static JavaProcess start(String name, Class<?> mainClass, String... args) {
        return start(name, List.of(), mainClass, args);
    }

    private static Thread pump(InputStream in, List<String> sink, String threadName) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.add(line);
                }
            } catch (IOException ignored) {
                // the process went away; what it said is already collected
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until a line of stdout or stderr matches, failing with the whole output if it never does. */
    public String awaitLine(Predicate<String> matcher, Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> findLine(matcher) != null);
        } catch (ConditionTimeoutException e) {
            // the output is read now, at the failure, not when the wait started
            throw new AssertionError(name + " did not print the expected line within " + timeout
                    + "; it printed:\n" + output(), e);
        }
        return findLine(matcher);
    }

    public String awaitLineContaining(String text, Duration timeout) {
        return awaitLine(l -> l.contains(text), timeout);
    }

    /** Waits until {@code count} lines of stdout and stderr together match; returns them. */
    public List<String> awaitLines(Predicate<String> matcher, int count, Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> lines(matcher).size() >= count);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " did not print " + count + " expected lines within " + timeout
                    + "; it printed:\n" + output(), e);
        }
        return lines(matcher);
    }

    /** Every line of stdout, then of stderr, that matches. */
    public List<String> lines(Predicate<String> matcher) {
        List<String> found = new ArrayList<>();
        stdout.stream().filter(matcher).forEach(found::add);
        stderr.stream().filter(matcher).forEach(found::add);
        return found;
    }

    private String findLine(Predicate<String> matcher) {
        for (String l : stdout) {
            if (matcher.test(l)) {
                return l;
            }
        }
        for (String l : stderr) {
            if (matcher.test(l)) {
                return l;
            }
        }
        return null;
    }

    /** Waits for the process to exit by itself and returns its status. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout + "; it printed:\n" + output());
            }
            // the pumps end at EOF, right after the exit: join them so the last lines are in
            stdoutPump.join(5_000);
            stderrPump.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    public String output() {
        return "--- " + name + " stdout ---\n" + String.join("\n", stdout)
                + "\n--- " + name + " stderr ---\n" + String.join("\n", stderr);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /**
     * SIGTERM, as systemd or {@code kill} would. Through the process handle, because
     * {@link Process#destroy()} also closes our end of its output pipes and loses its last lines.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL, as a crash or {@code kill -9} would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The test means this process to exit with {@link BlockingCallGuard#EXIT_STATUS}; {@link #close()} then accepts it. */
    public JavaProcess expectBlockingCallExit() {
        blockingCallExpected = true;
        return this;
    }

    /** Kills it; fails the test if it had ended because BlockHound caught a blocking call on an event loop. */
    @Override
    public void close() {
        boolean blockingCall = !process.isAlive() && process.exitValue() == BlockingCallGuard.EXIT_STATUS;
        kill();
        if (blockingCall && !blockingCallExpected) {
            throw new AssertionError(name + " exited " + BlockingCallGuard.EXIT_STATUS
                    + ": a blocking call on an event loop thread; it printed:\n" + output());
        }
    }
}
