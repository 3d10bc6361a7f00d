package io.fail2bancluster.agent.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {
    @TempDir
    Path dir;

    @Test
    void writesAWholeFileAndReadsItBack() throws IOException {
        PidFile pidFile = new PidFile(dir.resolve("agent.pid"), pid -> true);
        pidFile.write(4242);
        assertEquals("4242\n", Files.readString(pidFile.path()));
        assertEquals(Optional.of(4242L), pidFile.read());
    }

    @Test
    void replacesAnOldFileThroughARenameAndLeavesNoTemporaryBehind() throws IOException {
        Path path = dir.resolve("agent.pid");
        Files.writeString(path, "1\n");
        Object inodeBefore = Files.getAttribute(path, "unix:ino");
        new PidFile(path, pid -> true).write(77);
        assertEquals("77\n", Files.readString(path));
        // a new inode: readers saw the old file whole, then the new one whole, never a truncated one
        assertFalse(inodeBefore.equals(Files.getAttribute(path, "unix:ino")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(path), files.toList());
        }
    }

    @Test
    void noFileOrGarbageNamesNobody() throws IOException {
        Path path = dir.resolve("agent.pid");
        PidFile pidFile = new PidFile(path, pid -> true);
        assertEquals(new PidFile.Owner.None(), pidFile.owner());
        Files.writeString(path, "not a pid\n");
        assertEquals(new PidFile.Owner.None(), pidFile.owner());
        Files.writeString(path, "-5\n");
        assertEquals(new PidFile.Owner.None(), pidFile.owner());
    }

    @Test
    void aLiveAgentOwnsTheFileAndADeadOneLeavesItStale() throws IOException {
        Path path = dir.resolve("agent.pid");
        Files.writeString(path, "1234\n");
        assertEquals(new PidFile.Owner.Live(1234), new PidFile(path, pid -> pid == 1234).owner());
        assertEquals(new PidFile.Owner.Stale(1234), new PidFile(path, pid -> false).owner());
    }

    @Test
    void aFileNamingThisVeryProcessIsStale() throws IOException {
        // a container's agent gets the same pid on every boot; its old file must not block the new start
        Path path = dir.resolve("agent.pid");
        long self = ProcessHandle.current().pid();
        Files.writeString(path, self + "\n");
        assertEquals(new PidFile.Owner.Stale(self), new PidFile(path, pid -> true).owner());
    }

    @Test
    void removesOnlyItsOwnFile() throws IOException {
        Path path = dir.resolve("agent.pid");
        PidFile pidFile = new PidFile(path, pid -> true);
        pidFile.write(10);
        assertFalse(pidFile.deleteIfOwnedBy(11));
        assertTrue(Files.exists(path));
        assertTrue(pidFile.deleteIfOwnedBy(10));
        assertFalse(Files.exists(path));
    }

    @Test
    void aLiveProcessIsAnAgentOnlyIfItRunsOurMainClass() throws Exception {
        Process stranger = new ProcessBuilder("sleep", "30").start();
        // sh sets $0 to the next word, so this process's command line names our main class
        Process agentLike = new ProcessBuilder("sh", "-c", "sleep 30", AgentMain.class.getName()).start();
        try {
            assertFalse(AgentProcesses.isLiveAgent(stranger.pid()), "a reused pid is not our agent");
            assertTrue(AgentProcesses.isLiveAgent(agentLike.pid()));
        } finally {
            stranger.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            agentLike.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertFalse(AgentProcesses.isLiveAgent(agentLike.pid()), "a dead process is not our agent");
    }

    @Test
    void aKilledProcessNotYetReapedIsNoAgent() throws Exception {
        // sh starts a child and becomes a sleep that never waits for it: the child ends as a zombie
        Process parent = new ProcessBuilder("sh", "-c", "sh -c 'sleep 30' " + AgentMain.class.getName()
                + " & echo $!; exec sleep 30").start();
        try {
            long child = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine().trim());
            await().atMost(Duration.ofSeconds(10)).until(() -> AgentProcesses.isLiveAgent(child));
            assertFalse(AgentProcesses.isZombie(child));
            ProcessHandle.of(child).orElseThrow().destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> AgentProcesses.isZombie(child));
            assertFalse(AgentProcesses.isLiveAgent(child), "a zombie is not a running agent");
        } finally {
            parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
