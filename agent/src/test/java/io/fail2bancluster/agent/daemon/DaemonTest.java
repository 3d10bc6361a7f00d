package io.fail2bancluster.agent.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.DefaultPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's commands in this JVM around a fake agent; real processes are in the integration tests. */
class DaemonTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final StopRequest stop = new StopRequest();
    private final List<Duration> shutdowns = new CopyOnWriteArrayList<>();
    private final List<ClusterConfig> reloads = new CopyOnWriteArrayList<>();
    private Process lookalike;

    @AfterEach
    void cleanUp() throws InterruptedException {
        stop.requestAndAwait(10, TimeUnit.SECONDS);
        if (lookalike != null) {
            lookalike.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Daemon daemon(ConfigSource configs) {
        RunningAgent.Starter fake = config -> new RunningAgent() {
            @Override
            public AgentStatus status() {
                return StatusReportTest.sample();
            }

            @Override
            public CompletableFuture<Void> shutdown(Duration grace) {
                shutdowns.add(grace);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<List<String>> reload(ClusterConfig next) {
                reloads.add(next);
                return CompletableFuture.completedFuture(List.of("reloaded " + next.servers().size() + " server(s)"));
            }
        };
        return new Daemon(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), configs, fake, stop);
    }

    private Daemon daemon() {
        ClusterConfig config = TestConfigs.config(dir);
        return daemon(file -> config);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runWritesItsPidFileAnswersStatusAndCleansUpOnStop() throws Exception {
        Path pidFile = dir.resolve("agent.pid");
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> execute(daemon(), "run"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pidFile));
        assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(pidFile));

        assertEquals(ExitCode.OK, daemon().execute("status"));
        assertTrue(out().contains("running (pid " + ProcessHandle.current().pid() + ")"), out());
        assertTrue(out().contains("server a.example:1986: connected"), out());

        stop.request();
        assertEquals(ExitCode.OK, run.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(ForegroundAgent.SHUTDOWN_GRACE), shutdowns);
        assertFalse(Files.exists(pidFile));
        assertFalse(Files.exists(dir.resolve("run/control.sock")));
    }

    @Test
    void runRefusesWhileALiveAgentOwnsThePidFile() throws Exception {
        lookalike = new ProcessBuilder("sh", "-c", "sleep 30", AgentMain.class.getName()).start();
        Path pidFile = dir.resolve("agent.pid");
        Files.writeString(pidFile, lookalike.pid() + "\n");
        assertEquals(ExitCode.FAILED, daemon().execute("run"));
        assertTrue(err().contains("already running (pid " + lookalike.pid() + ")"), err());
        assertEquals(lookalike.pid() + "\n", Files.readString(pidFile));
        assertTrue(shutdowns.isEmpty());
    }

    @Test
    void runReplacesAStalePidFile() throws Exception {
        Path pidFile = dir.resolve("agent.pid");
        Files.writeString(pidFile, deadPid() + "\n");
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> execute(daemon(), "run"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.readString(pidFile).equals(ProcessHandle.current().pid() + "\n"));
        stop.request();
        assertEquals(ExitCode.OK, run.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aConfigErrorExitsTwoAndTouchesNothing() throws Exception {
        Path pidFile = dir.resolve("agent.pid");
        Files.writeString(pidFile, "12345\n");
        String message = "/etc/x.yml: servers[0].port: expected an integer, line 4";
        ConfigSource broken = file -> {
            throw new ConfigException("/etc/x.yml", "servers[0].port", "expected an integer", 4);
        };
        for (String command : List.of("run", "start", "stop", "restart", "check")) {
            assertEquals(ExitCode.CONFIG_ERROR, daemon(broken).execute(command), command);
        }
        assertEquals(ExitCode.STATUS_UNKNOWN, daemon(broken).execute("status"));
        assertTrue(err().contains(message), err());
        assertEquals("12345\n", Files.readString(pidFile));
        assertFalse(Files.exists(dir.resolve("run")));
    }

    @Test
    void checkAcceptsANatsServerEntryWithoutAWarning() throws Exception {
        Path file = dir.resolve("nats.yml");
        ClusterConfig nats = io.fail2bancluster.config.ConfigLoader.parse("""
                servers:
                  - host: 127.0.0.1
                    channels: [{name: Fail2ban}]
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban}]
                """, file.toString());
        ClusterConfig withSource = new ClusterConfig(Optional.of(file), nats.servers(), nats.logLevel(), nats.logFile(),
                Optional.of(dir.resolve("agent.pid")), nats.reconnectMin(), nats.reconnectMax(), nats.dedupeWindow(),
                nats.execConcurrency(), nats.execQueue(), nats.execTimeout(), dir.resolve("run/control.sock"),
                nats.configuredHostname(), nats.strict(), nats.signatureWindow(), nats.limits(), nats.metrics(),
                nats.natsServers(), nats.stateDir());
        assertEquals(ExitCode.OK, daemon(f -> withSource).execute("check"));
        assertTrue(out().contains("nats nats://127.0.0.1:4222"), out());
        assertFalse(out().contains("cannot receive"), out());
    }

    @Test
    void statusFollowsLsb() throws Exception {
        assertEquals(ExitCode.STATUS_STOPPED, daemon().execute("status"));
        assertTrue(out().contains("stopped"), out());

        Files.writeString(dir.resolve("agent.pid"), deadPid() + "\n");
        assertEquals(ExitCode.FAILED, daemon().execute("status"));
        assertTrue(out().contains("dead: pid file"), out());
    }

    @Test
    void statusFallsBackToThePidFileWithoutTheControlSocket() throws Exception {
        lookalike = new ProcessBuilder("sh", "-c", "sleep 30", AgentMain.class.getName()).start();
        Files.writeString(dir.resolve("agent.pid"), lookalike.pid() + "\n");
        assertEquals(ExitCode.OK, daemon().execute("status"));
        assertTrue(out().contains("running (pid " + lookalike.pid() + "); no details: control socket"), out());
    }

    @Test
    void statusSaysDeadWhenTheControlSocketIsLeftButNobodyListens() throws Exception {
        ClusterConfig config = TestConfigs.config(dir);
        // a socket file bound and closed again: what an agent killed with -9 leaves behind
        Files.createDirectories(config.controlSocket().getParent());
        try (ServerSocketChannel left = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            left.bind(UnixDomainSocketAddress.of(config.controlSocket()));
        }
        lookalike = new ProcessBuilder("sh", "-c", "sleep 30", AgentMain.class.getName()).start();
        Files.writeString(dir.resolve("agent.pid"), lookalike.pid() + "\n");
        assertEquals(ExitCode.FAILED, daemon(file -> config).execute("status"));
        assertTrue(out().startsWith("dead: pid " + lookalike.pid() + " does not answer (control socket "), out());
        assertTrue(out().contains("Connection refused"), out());
    }

    @Test
    void stoppingWhatIsNotRunningSucceedsAndRemovesAStalePidFile() throws Exception {
        assertEquals(ExitCode.OK, daemon().execute("stop"));
        assertTrue(out().contains("not running"), out());

        Path pidFile = dir.resolve("agent.pid");
        Files.writeString(pidFile, deadPid() + "\n");
        assertEquals(ExitCode.OK, daemon().execute("stop"));
        assertTrue(out().contains("removed stale pid file"), out());
        assertFalse(Files.exists(pidFile));
    }

    @Test
    void checkPrintsServersChannelsFiltersAndWarnings() throws Exception {
        assertEquals(ExitCode.OK, daemon().execute("--config=" + dir.resolve("cluster.yml"), "check"));
        String text = out();
        assertTrue(text.contains("config " + dir.resolve("cluster.yml") + " is valid"), text);
        assertTrue(text.contains("server 127.0.0.1:1986 (ping every 20 s, timeout 60 s)\n  channel Fail2ban\n"
                + "    action [fail2ban-client] [set] [%jail%] [ban ip] [%ip%] [Fail2ban]\n    filter jail in [sshd]\n  channel Other\n"), text);
        assertTrue(text.contains("warning: servers[0].channels[1] (Other): no action"), text);
    }

    @Test
    void checkPrintsAPatternOnlyFilterAndWarnsOfAMissingProgramWithItsLine() throws Exception {
        Path file = Files.writeString(dir.resolve("cluster.yml"), """
                servers:
                  - host: 127.0.0.1
                    channels:
                      - name: Fail2ban
                        action: "/nonexistent/fail2ban-client set sshd banip %ip%"
                        filter:
                          - key: ip
                            pattern: '[0-9.]+'
                          - key: jail
                            values: [sshd]
                            pattern: 'ss.*'
                      - name: OnPath
                        action: "true %ip%"
                      - name: Absolute
                        action: "/bin/true %ip%"
                """);

        assertEquals(ExitCode.OK, daemon(ConfigSource.FILES).execute("--config", file.toString(), "check"), err());

        String text = out();
        assertTrue(text.contains("    filter ip matches /[0-9.]+/\n    filter jail in [sshd] and matches /ss.*/\n"), text);
        assertTrue(text.contains("\nwarning: servers[0].channels[0].action: program /nonexistent/fail2ban-client does"
                + " not exist; the action fails until it is installed, line 5\n"), text);
        assertEquals(1, text.lines().filter(l -> l.contains("program")).count(), text);
    }

    @Test
    void checkRefusesALogFileStartWouldRefuse() throws Exception {
        Path logDir = Files.createDirectories(dir.resolve("logs"));
        Path notAFolder = Files.writeString(dir.resolve("plain"), "");
        for (Path logFile : List.of(logDir, notAFolder.resolve("agent.log"))) {
            Path file = Files.writeString(dir.resolve("cluster.yml"), """
                    servers:
                      - host: 127.0.0.1
                        channels:
                          - name: Fail2ban
                    log_file: %s
                    """.formatted(logFile));
            out.reset();
            err.reset();

            assertEquals(ExitCode.CONFIG_ERROR, daemon(ConfigSource.FILES).execute("--config", file.toString(), "check"));

            assertEquals("", out());
            String expected = logFile.equals(logDir)
                    ? file + ": log_file: " + logDir + " is a directory; the agent appends its log to a file, line 5\n"
                    : file + ": log_file: cannot create " + logFile + ": " + notAFolder + " is not a directory, line 5\n";
            assertEquals(expected, err());
        }
    }

    @Test
    void versionAndHelpNeedNoConfig() throws Exception {
        ConfigSource none = file -> {
            throw new AssertionError("no config needed");
        };
        assertEquals(ExitCode.OK, daemon(none).execute("--version"));
        assertTrue(out().startsWith("fail2ban-clusterd "), out());
        assertEquals(ExitCode.OK, daemon(none).execute("--help"));
        assertTrue(out().contains("Commands (no command means start)"), out());
        assertFalse(out().contains("Default: false"), out());
        assertEquals(ExitCode.CONFIG_ERROR, daemon(none).execute("frobnicate"));
        assertEquals("fail2ban-clusterd: unknown command 'frobnicate'; expected start, stop, restart, status, reload,"
                + " run or check\nTry 'fail2ban-clusterd --help' for more information.\n", err());
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor(10, TimeUnit.SECONDS);
        return p.pid();
    }

    /** {@code first} with four exec slots more: a setting only a restart applies. */
    private static ClusterConfig moreExecSlots(ClusterConfig first) {
        return new ClusterConfig(first.source(), first.servers(), first.logLevel(), first.logFile(), first.pidFile(),
                first.reconnectMin(), first.reconnectMax(), first.dedupeWindow(), first.execConcurrency() + 4,
                first.execQueue(), first.execTimeout(), first.controlSocket());
    }

    private CompletableFuture<Integer> runUntilThePidFileIsWritten(ConfigSource configs) {
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> execute(daemon(configs), "run"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("agent.pid")));
        return run;
    }

    @Test
    void reloadReReadsTheAgentsOwnFileAndSaysWhatOnlyARestartApplies() throws Exception {
        ClusterConfig first = TestConfigs.config(dir);
        ClusterConfig second = moreExecSlots(first);
        AtomicReference<ClusterConfig> onDisk = new AtomicReference<>(first);
        List<Path> read = new CopyOnWriteArrayList<>();
        ConfigSource configs = file -> {
            read.add(file);
            return onDisk.get();
        };
        CompletableFuture<Integer> run = runUntilThePidFileIsWritten(configs);
        onDisk.set(second);
        Path otherFile = dir.resolve("same-socket.yml");

        assertEquals(ExitCode.OK, daemon(configs).execute("--config", otherFile.toString(), "reload"), err());

        assertEquals(List.of(second), reloads);
        assertEquals(List.of(ClusterConfig.DEFAULT_PATH, otherFile, dir.resolve("cluster.yml")), read,
                "the agent re-reads the file its config came from, whatever file told reload where it is");
        assertEquals("reloaded " + dir.resolve("cluster.yml") + "\n  reloaded 1 server(s)\n"
                + "  warning: exec_concurrency changed; takes effect after restart\n"
                + "  warning: " + second.warnings().get(0) + "\n  warning: " + second.warnings().get(1) + "\n", out(),
                "what only a restart applies, then the config's own warnings, as at start");
        stop.request();
        assertEquals(ExitCode.OK, run.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aConfigTheAgentRejectsExitsOneWithTheLoadersMessageAndChangesNothing() throws Exception {
        ClusterConfig first = TestConfigs.config(dir);
        AtomicReference<ClusterConfig> onDisk = new AtomicReference<>(first);
        ConfigSource agentSide = file -> {
            if (onDisk.get() == null) {
                throw new ConfigException(file.toString(), "servers[0].port", "expected an integer", 4);
            }
            return onDisk.get();
        };
        CompletableFuture<Integer> run = runUntilThePidFileIsWritten(agentSide);
        onDisk.set(null);

        assertEquals(ExitCode.FAILED, daemon(file -> first).execute("reload"));

        assertTrue(err().contains(dir.resolve("cluster.yml") + ": servers[0].port: expected an integer"), err());
        assertTrue(err().contains("line 4"), err());
        assertTrue(err().contains("not reloaded: the running agent keeps its configuration"), err());
        assertEquals(List.of(), reloads);
        assertEquals("", out());
        stop.request();
        assertEquals(ExitCode.OK, run.get(10, TimeUnit.SECONDS));
    }

    @Test
    void reloadWithABrokenLocalConfigOrNoAgentExitsOne() {
        ConfigSource broken = file -> {
            throw new ConfigException("/etc/x.yml", "servers[0].port", "expected an integer", 4);
        };
        assertEquals(ExitCode.FAILED, execute(daemon(broken), "reload"));
        assertTrue(err().contains("/etc/x.yml: servers[0].port: expected an integer, line 4"), err());
        assertEquals(ExitCode.FAILED, execute(daemon(), "reload"));
        assertTrue(err().contains("no agent answers on " + dir.resolve("run/control.sock")), err());
    }

    private static int execute(Daemon daemon, String... args) {
        try {
            return daemon.execute(args);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** No config file at the default path: as the file at the default path would not exist. */
    private static final ConfigSource NO_DEFAULT_FILE = file -> {
        throw new ConfigException(file.toString(), "", "no such file", 0, new NoSuchFileException(file.toString()));
    };

    private Daemon daemonWithDefaultSocket(ConfigSource configs, Path socket) {
        return new Daemon(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), configs, config -> {
                    throw new AssertionError("nothing is started without a config");
                }, stop, () -> new DefaultPaths(socket, dir.resolve("state"), "test"));
    }

    @Test
    void withoutAConfigFileStatusStopAndReloadAskTheDefaultControlSocket() throws Exception {
        Path socket = dir.resolve("control.sock");
        AtomicReference<String> asked = new AtomicReference<>();
        try (ControlServer agent = ControlServer.open(socket, java.util.Map.of(
                "status", () -> ControlReply.ok(new StatusReport(4242, "test", StatusReportTest.sample()).toFields()),
                "reload", () -> {
                    asked.set("reload");
                    return ControlReply.ok(java.util.Map.of("config", "/home/u/agent.yml"));
                }))) {
            assertEquals(ExitCode.OK, daemonWithDefaultSocket(NO_DEFAULT_FILE, socket).execute("status"));
            assertTrue(out().contains("4242"), out());
            assertTrue(err().contains(ClusterConfig.DEFAULT_PATH + ": no such file; asking on the default control socket "
                    + socket), err());

            assertEquals(ExitCode.OK, daemonWithDefaultSocket(NO_DEFAULT_FILE, socket).execute("reload"));
            assertEquals("reload", asked.get());
            assertTrue(out().contains("reloaded /home/u/agent.yml"), out());
        }
        // nobody there now: stopped, and nothing to stop
        assertEquals(ExitCode.STATUS_STOPPED, daemonWithDefaultSocket(NO_DEFAULT_FILE, socket).execute("status"));
        assertEquals(ExitCode.OK, daemonWithDefaultSocket(NO_DEFAULT_FILE, socket).execute("stop"));
        assertTrue(out().endsWith("not running\n"), out());
    }

    @Test
    void aMissingConfigGivenByNameIsStillAnError() throws Exception {
        Path socket = dir.resolve("control.sock");
        assertEquals(ExitCode.STATUS_UNKNOWN,
                daemonWithDefaultSocket(NO_DEFAULT_FILE, socket).execute("--config", "/nonexistent/agent.yml", "status"));
        assertFalse(err().contains("default control socket"), err());
        assertEquals(ExitCode.CONFIG_ERROR, daemonWithDefaultSocket(NO_DEFAULT_FILE, socket).execute("run"),
                "only status, stop and reload fall back");
    }
}
