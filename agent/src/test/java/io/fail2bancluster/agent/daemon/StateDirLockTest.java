package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondAgentOnTheSameStateDirIsRefusedNamingItAndTheHolder() throws IOException {
        Path state = dir.resolve("state");
        try (StateDirLock first = StateDirLock.acquire(state)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(state.resolve(StateDirLock.FILE)));
            IOException refused = assertThrows(IOException.class, () -> StateDirLock.acquire(state));
            assertEquals(state + " is in use by another agent (pid " + ProcessHandle.current().pid()
                    + "); give each agent its own state_dir", refused.getMessage());
        }
        StateDirLock.acquire(state).close(); // released with the first
    }
}
