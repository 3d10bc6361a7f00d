package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.AgentMain;
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
        if (handle.isEmpty()) {
            return false;
        }
        Optional<String> commandLine = handle.get().info().commandLine();
        return commandLine.isEmpty() || commandLine.get().contains(AgentMain.class.getName());
    }
}
