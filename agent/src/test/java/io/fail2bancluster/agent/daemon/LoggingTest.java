package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggingTest {
    @TempDir
    Path dir;

    @AfterEach
    void back() {
        Configurator.reconfigure();
    }

    @Test
    void logLevelMeansWhatTheOriginalSaid() {
        assertEquals(Level.ERROR, Logging.levelFor(0));
        assertEquals(Level.WARN, Logging.levelFor(1));
        assertEquals(Level.INFO, Logging.levelFor(2));
        assertEquals(Level.DEBUG, Logging.levelFor(3));
        assertThrows(IllegalArgumentException.class, () -> Logging.levelFor(4));
        assertThrows(IllegalArgumentException.class, () -> Logging.levelFor(-1));
    }

    @Test
    void appendsToTheLogFileAtTheConfiguredLevel() throws IOException {
        Path file = dir.resolve("var/log/clusterd.log");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "older line\n");
        Logging.configure(new Logging.Settings(1, Optional.of(file), false));
        Logger log = LogManager.getLogger("io.fail2bancluster.agent.Sample");
        log.info("not at level 1");
        log.warn("server {} is gone", "a.example:1986");
        String text = Files.readString(file);
        assertTrue(text.startsWith("older line\n"), text);
        assertFalse(text.contains("not at level 1"), text);
        assertTrue(text.matches("(?s)older line\n\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[Sample\\] "
                + "server a\\.example:1986 is gone\n"), text);
    }

    @Test
    void configuringAgainReopensTheFileAsAfterLogrotate() throws IOException {
        Path file = dir.resolve("clusterd.log");
        Logging.Settings settings = new Logging.Settings(2, Optional.of(file), false);
        Logging.configure(settings);
        Logger log = LogManager.getLogger(LoggingTest.class);
        log.info("before rotation");
        Files.move(file, dir.resolve("clusterd.log.1"));
        Logging.configure(settings);
        log.info("after rotation");
        assertTrue(Files.readString(file).contains("after rotation"));
        assertFalse(Files.readString(file).contains("before rotation"));
    }

    @Test
    void aLogFileThatCannotBeOpenedIsReportedUpFront() throws IOException {
        Files.writeString(dir.resolve("log"), "a file, not a folder");
        assertThrows(IOException.class, () -> Logging.checkWritable(dir.resolve("log/clusterd.log")));
        Logging.checkWritable(dir.resolve("new/folder/clusterd.log"));
        assertTrue(Files.exists(dir.resolve("new/folder/clusterd.log")));
    }
}
