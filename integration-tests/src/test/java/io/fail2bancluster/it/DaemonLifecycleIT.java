package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fail2ban-clusterd start|status|stop|check|run} as an operator types them, each a real JVM. The
 * server port has nobody listening: the agent keeps retrying, which is all a lifecycle test needs.
 */
class DaemonLifecycleIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("started \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    private Path config;
    private Path pidFile;
    private int port;
    private final List<Long> agents = new ArrayList<>();

    @BeforeEach
    void writeConfig() throws IOException {
        port = Cluster.unusedPort();
        pidFile = dir.resolve("agent.pid");
        config = dir.resolve("cluster.yml");
        Files.writeString(config, """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    ping_timeout: 60
                    channels:
                      - name: Fail2ban
                        action: "true %%jail%% %%ip%%"
                        filter:
                          - key: jail
                            values:
                              - sshd
                log_level: 3
                log_file: %s
                pid_file: %s
                control_socket: %s
                state_dir: %s
                """.formatted(port, dir.resolve("log/agent.log"), pidFile, dir.resolve("run/control.sock"),
                dir.resolve("state")));
    }

    @AfterEach
    void killLeftovers() throws IOException {
        readPid().ifPresent(agents::add);
        for (long pid : agents) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().orTimeout(10, TimeUnit.SECONDS).join();
            });
        }
    }

    private record Result(int code, String output) {
    }

    private Result clusterd(String... args) {
        try (JavaProcess p = JavaProcess.start("fail2ban-clusterd " + String.join(" ", args), AgentMain.class, args)) {
            int code = p.awaitExit(COMMAND_TIMEOUT);
            return new Result(code, p.output());
        }
    }

    private long started(Result r) {
        assertEquals(0, r.code(), r.output());
        Matcher m = STARTED.matcher(r.output());
        assertTrue(m.find(), r.output());
        long pid = Long.parseLong(m.group(1));
        agents.add(pid);
        return pid;
    }

    private Optional<Long> readPid() throws IOException {
        return Files.exists(pidFile) ? Optional.of(Long.parseLong(Files.readString(pidFile).trim())) : Optional.empty();
    }

    @Test
    void startStatusStop() throws IOException {
        long pid = started(clusterd("--config", config.toString(), "start"));
        assertEquals(Optional.of(pid), readPid());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

        Result status = clusterd("--config", config.toString(), "status");
        assertEquals(0, status.code(), status.output());
        assertTrue(status.output().contains("running (pid " + pid + ")"), status.output());
        assertTrue(status.output().contains("server 127.0.0.1:" + port + ": "), status.output());
        assertTrue(status.output().contains("received 0"), status.output());

        Result stop = clusterd("--config=" + config, "stop");
        assertEquals(0, stop.code(), stop.output());
        assertTrue(stop.output().contains("stopped (pid " + pid + ")"), stop.output());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(Files.exists(pidFile), "the agent removes its pid file on SIGTERM");
        assertFalse(Files.exists(dir.resolve("run/control.sock")));

        Result stopped = clusterd("--config", config.toString(), "status");
        assertEquals(3, stopped.code(), stopped.output());
        Result again = clusterd("--config", config.toString(), "stop");
        assertEquals(0, again.code(), again.output());
        assertTrue(again.output().contains("not running"), again.output());
    }

    @Test
    void aSecondStartIsRefusedWhileTheAgentRuns() throws IOException {
        long pid = started(clusterd("--config", config.toString(), "start"));
        Result second = clusterd("--config", config.toString(), "start");
        assertEquals(1, second.code(), second.output());
        assertTrue(second.output().contains("already running (pid " + pid + ")"), second.output());
        assertEquals(Optional.of(pid), readPid());
    }

    @Test
    void aStalePidFileIsReplaced() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        Files.writeString(pidFile, gone.pid() + "\n");

        Result start = clusterd("--config", config.toString(), "start");
        long pid = started(start);
        assertTrue(start.output().contains("removed stale pid file"), start.output());
        assertEquals(Optional.of(pid), readPid());
        Result status = clusterd("--config", config.toString(), "status");
        assertEquals(0, status.code(), status.output());
    }

    @Test
    void statusSaysDeadAfterKill9EvenWhileTheKilledAgentIsAnUnreapedZombie() throws IOException {
        // sh forks the agent, then becomes a sleep that never reaps it: after kill -9 the agent stays a
        // zombie, which the process table still lists with the pid file's pid and a socket file no one serves
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\" & echo $!; exec sleep 120", "sh"));
        command.addAll(JavaProcess.javaCommand(List.of(), AgentMain.class, "--config", config.toString(), "run"));
        try (JavaProcess parent = JavaProcess.startCommand("sh (agent's parent)", command, null)) {
            long pid = Long.parseLong(parent.awaitLine(line -> line.matches("\\d+"), COMMAND_TIMEOUT).trim());
            agents.add(pid);
            await().atMost(COMMAND_TIMEOUT).until(() -> readPid().equals(Optional.of(pid))
                    && Files.exists(dir.resolve("run/control.sock")));
            assertEquals(0, clusterd("--config", config.toString(), "status").code());

            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            await().atMost(COMMAND_TIMEOUT).until(() -> processState(pid).equals("Z"));

            Result status = clusterd("--config", config.toString(), "status");
            assertEquals(1, status.code(), status.output());
            assertTrue(status.output().contains("dead: pid file " + pidFile + " names pid " + pid), status.output());
        }
    }

    /** The one-letter state in /proc/PID/stat, or "gone". */
    private static String processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone";
        }
    }

    @Test
    void configWithoutACommandStarts() throws IOException {
        long pid = started(clusterd("--config=" + config));
        assertEquals(Optional.of(pid), readPid());
    }

    @Test
    void checkPrintsWhatItWouldConnectTo() {
        Result check = clusterd("--config", config.toString(), "check");
        assertEquals(0, check.code(), check.output());
        assertTrue(check.output().contains("server 127.0.0.1:" + port), check.output());
        assertTrue(check.output().contains("    action [true] [%jail%] [%ip%]"), check.output());
        assertTrue(check.output().contains("    filter jail in [sshd]"), check.output());
        assertFalse(Files.exists(pidFile));
    }

    @Test
    void aBrokenConfigExitsTwoNamingPathAndLineAndTouchesNoPidFile() throws IOException {
        Files.writeString(config, Files.readString(config).replace("port: " + port, "port: eighty"));
        Files.writeString(pidFile, "12345\n");
        for (String command : List.of("check", "start", "run")) {
            Result r = clusterd("--config", config.toString(), command);
            assertEquals(2, r.code(), r.output());
            assertTrue(r.output().contains(config + ": servers[0].port: "), r.output());
            assertTrue(r.output().contains("line 3"), r.output());
        }
        assertEquals("12345\n", Files.readString(pidFile));
    }

    @Test
    void runStopsCleanlyOnSigterm() throws IOException {
        try (JavaProcess run = JavaProcess.start("fail2ban-clusterd run", AgentMain.class,
                "--config", config.toString(), "run")) {
            await().atMost(COMMAND_TIMEOUT).until(() -> !run.isAlive() || readPid().equals(Optional.of(run.pid())));
            assertTrue(run.isAlive(), run.output());
            run.terminate();
            assertEquals(0, run.awaitExit(COMMAND_TIMEOUT), run.output());
            assertTrue(run.output().contains("stopped"), run.output() + "\n--- log ---\n" + log());
        }
        assertFalse(Files.exists(pidFile));
    }

    private String log() throws IOException {
        Path log = dir.resolve("log/agent.log");
        return Files.exists(log) ? Files.readString(log) : "(no log file)";
    }
}
