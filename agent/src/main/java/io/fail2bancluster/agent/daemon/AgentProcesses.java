package io.fail2bancluster.agent.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Looks at the process table: is a pid a running agent? */
public final class AgentProcesses {

    private AgentProcesses() {
    }

    /**
     * Alive and, when its command line can be read, running our main class. A pid file outliving its
     * agent may name a pid the kernel has since given to something else; we must neither refuse to start
     * because of it nor send it SIGTERM. An unreadable command line (another user's process under
     * {@code hidepid}) counts as ours: refusing a start is the safe mistake.
     */
    public static boolean isLiveAgent(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty() || isZombie(pid)) {
            return false;
        }
        Optional<String> commandLine = handle.get().info().commandLine();
        return commandLine.isEmpty() || commandLine.get().contains(AgentMain.class.getName());
    }

    /**
     * A killed agent whose parent has not reaped it yet is a zombie: {@link ProcessHandle#isAlive} still
     * says true and its command line reads as empty, but nothing of it runs. The state is the field after
     * the command name in {@code /proc/PID/stat} (the name is in parentheses and may itself hold any).
     */
    static boolean isZombie(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        int end = stat.lastIndexOf(')');
        if (end < 0 || end + 2 >= stat.length()) {
            return false;
        }
        char state = stat.charAt(end + 2);
        return state == 'Z' || state == 'X';
    }
}
