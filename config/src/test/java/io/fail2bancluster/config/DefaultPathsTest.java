package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultPathsTest {

    @Test
    void rootKeepsTheSystemsFoldersWhateverItsEnvironment() {
        DefaultPaths paths = DefaultPaths.of(true, Map.of("XDG_RUNTIME_DIR", "/run/user/0", "HOME", "/root"), "/root");
        assertEquals(Path.of("/run/fail2ban-cluster/control.sock"), paths.controlSocket());
        assertEquals(Path.of("/var/lib/fail2ban-cluster"), paths.stateDir());
        assertEquals(DefaultPaths.SYSTEM, paths);
    }

    @Test
    void aUserGetsTheXdgRuntimeAndStateFolders() {
        DefaultPaths paths = DefaultPaths.of(false, Map.of("XDG_RUNTIME_DIR", "/run/user/1000",
                "XDG_STATE_HOME", "/home/ann/state", "HOME", "/home/ann"), "/ignored");
        assertEquals(Path.of("/run/user/1000/fail2ban-cluster/control.sock"), paths.controlSocket());
        assertEquals(Path.of("/home/ann/state/fail2ban-cluster"), paths.stateDir());
        assertTrue(paths.rule().contains("$XDG_RUNTIME_DIR/fail2ban-cluster"), paths.rule());
        assertTrue(paths.rule().contains("$XDG_STATE_HOME/fail2ban-cluster"), paths.rule());
    }

    @Test
    void withoutXdgStateHomeItIsUnderHomesLocalState() {
        DefaultPaths paths = DefaultPaths.of(false, Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "HOME", "/home/ann"),
                "/ignored");
        assertEquals(Path.of("/home/ann/.local/state/fail2ban-cluster"), paths.stateDir());
        assertTrue(paths.rule().contains("~/.local/state/fail2ban-cluster"), paths.rule());
    }

    @Test
    void withoutARuntimeFolderTheSocketIsInTheStateFolder() {
        // su, cron, setpriv: no login session, no $XDG_RUNTIME_DIR
        DefaultPaths paths = DefaultPaths.of(false, Map.of("HOME", "/home/ann"), "/ignored");
        assertEquals(Path.of("/home/ann/.local/state/fail2ban-cluster/control.sock"), paths.controlSocket());
        assertTrue(paths.rule().contains("no $XDG_RUNTIME_DIR"), paths.rule());
    }

    @Test
    void emptyOrRelativeXdgValuesAreIgnoredAndNoHomeMeansTheJavaHome() {
        DefaultPaths paths = DefaultPaths.of(false, Map.of("XDG_RUNTIME_DIR", "", "XDG_STATE_HOME", "state"),
                "/home/bob");
        assertEquals(Path.of("/home/bob/.local/state/fail2ban-cluster"), paths.stateDir());
        assertEquals(Path.of("/home/bob/.local/state/fail2ban-cluster/control.sock"), paths.controlSocket());
    }

    @Test
    void theLoaderFallsBackOnlyForWhatTheFileLeavesOut() {
        DefaultPaths user = DefaultPaths.of(false, Map.of("XDG_RUNTIME_DIR", "/run/user/7", "HOME", "/home/u"), "/x");
        String servers = "servers:\n  - host: h\n    channels:\n      - name: c\n";
        ClusterConfig defaults = ConfigLoader.parse(servers, "t.yml", user);
        assertEquals(user.controlSocket(), defaults.controlSocket());
        assertEquals(user.stateDir(), defaults.stateDir());

        ClusterConfig set = ConfigLoader.parse(servers + "control_socket: /tmp/a.sock\nstate_dir: /tmp/s\n", "t.yml", user);
        assertEquals(Path.of("/tmp/a.sock"), set.controlSocket());
        assertEquals(Path.of("/tmp/s"), set.stateDir());
    }
}
