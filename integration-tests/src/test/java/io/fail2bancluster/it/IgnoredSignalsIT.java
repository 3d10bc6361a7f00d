package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An agent started by a parent that ignores SIGHUP ({@code nohup}, some init scripts) still reloads on
 * SIGHUP, as logrotate expects: bin/fail2ban-clusterd resets it, so does {@code start} for its background
 * child, and an agent started some other way says at start that SIGHUP will do nothing.
 */
class IgnoredSignalsIT {
    /** The shipped launchers, from the source tree (the dist module is built after this one). */
    private static final Path DIST_SOURCES = Path.of("..", "dist", "src").toAbsolutePath().normalize();

    @RegisterExtension
    final Cluster cluster = new Cluster();

    private Path config(String extra) throws IOException {
        return Files.writeString(cluster.dir().resolve("cluster.yml"), """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    channels:
                      - name: Fail2ban
                        action: "/bin/true %%ip%%"
                control_socket: %s
                state_dir: %s
                """.formatted(Cluster.unusedPort(), cluster.dir().resolve("control.sock"), cluster.dir().resolve("state")) + extra);
    }

    @Test
    void theLauncherUnderNohupLeavesSighupToTheAgent() throws Exception {
        Path config = config("");
        Path launcher = distribution().resolve("bin/fail2ban-clusterd");
        JavaProcess agent = cluster.keep(JavaProcess.startCommand("nohup fail2ban-clusterd run",
                List.of("nohup", launcher.toString(), "--config", config.toString(), "run"), cluster.dir()));
        agent.awaitLineContaining("running (pid " + agent.pid() + ")", Cluster.WAIT);

        hangUp(agent.pid());

        agent.awaitLineContaining("reloaded " + config, Cluster.WAIT);
        assertTrue(agent.lines(l -> l.contains("is ignored")).isEmpty(), agent.output());
        assertTrue(agent.isAlive());
    }

    @Test
    void startResetsAnIgnoredSighupForTheBackgroundAgent() throws Exception {
        Path log = cluster.dir().resolve("agent.log");
        Path pidFile = cluster.dir().resolve("agent.pid");
        Path config = config("log_file: " + log + "\npid_file: " + pidFile + "\n");
        JavaProcess start = cluster.keep(JavaProcess.startCommand("fail2ban-clusterd start, SIGHUP ignored",
                ignoringSighup(JavaProcess.javaCommand(List.of(), AgentMain.class, "--config", config.toString(),
                        "start")), null));
        assertEquals(0, start.awaitExit(Cluster.WAIT), start.output());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        cluster.keep(() -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        await().atMost(Cluster.WAIT).until(() -> Files.readString(log).contains("running (pid " + pid + ")"));

        hangUp(pid);

        await().atMost(Cluster.WAIT).until(() -> Files.readString(log).contains("reloaded " + config));
        String logText = Files.readString(log);
        assertTrue(!logText.contains("is ignored"), logText);
    }

    @Test
    void anAgentStartedWithSighupIgnoredSaysSoAtStart() throws Exception {
        Path config = config("");
        JavaProcess agent = cluster.keep(JavaProcess.startCommand("fail2ban-clusterd run, SIGHUP ignored",
                ignoringSighup(JavaProcess.javaCommand(List.of(), AgentMain.class, "--config", config.toString(),
                        "run")), null));

        String warning = agent.awaitLineContaining("SIGHUP is ignored", Cluster.WAIT);

        assertTrue(warning.contains("WARN") && warning.contains("fail2ban-clusterd reload"), warning);
    }

    private static List<String> ignoringSighup(List<String> command) {
        List<String> ignoring = new ArrayList<>(List.of("env", "--ignore-signal=HUP"));
        ignoring.addAll(command);
        return ignoring;
    }

    private static void hangUp(long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -HUP " + pid);
    }

    /**
     * bin/ and lib/ laid out as the tarball has them: the launchers from the source tree and, in lib/, links
     * to the jars of this test's class path.
     */
    private Path distribution() throws IOException {
        Path home = cluster.dir().resolve("dist");
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path lib = Files.createDirectories(home.resolve("lib"));
        Files.copy(DIST_SOURCES.resolve("bin/fail2ban-clusterd"), bin.resolve("fail2ban-clusterd"));
        Files.copy(DIST_SOURCES.resolve("lib/launcher.sh"), lib.resolve("launcher.sh"));
        for (Path script : List.of(bin.resolve("fail2ban-clusterd"), lib.resolve("launcher.sh"))) {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (entry.endsWith(".jar") && !Files.exists(lib.resolve(jar.getFileName()))) {
                Files.createSymbolicLink(lib.resolve(jar.getFileName()), jar.toAbsolutePath());
            }
        }
        return home;
    }
}
