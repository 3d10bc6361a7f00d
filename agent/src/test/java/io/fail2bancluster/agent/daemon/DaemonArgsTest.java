package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.DaemonArgs.Command;
import io.fail2bancluster.config.ClusterConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DaemonArgsTest {

    @ParameterizedTest
    @EnumSource(Command.class)
    void eachCommandIsAWord(Command command) {
        DaemonArgs args = DaemonArgs.parse(command.word());
        assertEquals(command, args.command());
        assertEquals(ClusterConfig.DEFAULT_PATH, args.config());
    }

    @Test
    void noCommandMeansStartAsTheOriginalReadmeRunsIt() {
        DaemonArgs args = DaemonArgs.parse("--config=/some/other/config.yml");
        assertEquals(Command.START, args.command());
        assertEquals(Path.of("/some/other/config.yml"), args.config());
        assertEquals(Command.START, DaemonArgs.parse().command());
    }

    @Test
    void configTakesItsValueWithSpaceOrEqualsBeforeOrAfterTheCommand() {
        assertEquals(Path.of("/a.yml"), DaemonArgs.parse("--config", "/a.yml", "status").config());
        assertEquals(Path.of("/b.yml"), DaemonArgs.parse("--config=/b.yml", "status").config());
        assertEquals(Path.of("/c.yml"), DaemonArgs.parse("-c", "/c.yml", "stop").config());
        DaemonArgs after = DaemonArgs.parse("check", "--config=/d.yml");
        assertEquals(Command.CHECK, after.command());
        assertEquals(Path.of("/d.yml"), after.config());
    }

    @Test
    void aValueMayContainAnEqualsSign() {
        assertEquals(Path.of("/etc/a=b.yml"), DaemonArgs.parse("--config=/etc/a=b.yml", "check").config());
    }

    @Test
    void versionAndHelpAreFlags() {
        assertTrue(DaemonArgs.parse("--version").version());
        assertTrue(DaemonArgs.parse("--help").help());
        assertTrue(DaemonArgs.parse("-h").help());
        assertFalse(DaemonArgs.parse("start").version());
    }

    @Test
    void theBackgroundChildIsMarked() {
        DaemonArgs args = DaemonArgs.parse("--config", "/x.yml", "run", "--daemon");
        assertEquals(Command.RUN, args.command());
        assertTrue(args.daemon());
        assertFalse(DaemonArgs.parse("run").daemon());
    }

    @Test
    void refusesWhatItDoesNotKnow() {
        assertThrows(DaemonArgs.UsageException.class, () -> DaemonArgs.parse("reboot"));
        assertThrows(DaemonArgs.UsageException.class, () -> DaemonArgs.parse("start", "stop"));
        assertThrows(DaemonArgs.UsageException.class, () -> DaemonArgs.parse("--bogus", "start"));
        assertThrows(DaemonArgs.UsageException.class, () -> DaemonArgs.parse("--config"));
    }

    @Test
    void usageNamesEveryCommand() {
        String usage = DaemonArgs.usage();
        for (Command c : Command.values()) {
            assertTrue(usage.contains("  " + c.word() + " "), usage);
        }
        assertFalse(usage.contains("--daemon"), usage);
    }
}
