package io.fail2bancluster.agent.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.AppenderComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.api.LayoutComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.RootLoggerComponentBuilder;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * log4j2, configured from the YAML rather than from a file of its own: one knob ({@code log_level}) and
 * one destination ({@code log_file}, else stderr). Calling {@link #configure} again swaps the whole
 * configuration, which reopens the log file: that is what {@code reload} does after logrotate moved it.
 */
public final class Logging {
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%c{1}] %msg%n%throwable";

    private Logging() {
    }

    /**
     * Where and how much to log.
     *
     * @param level   {@code log_level}: 0 errors, 1 warnings, 2 infos, 3 debug
     * @param logFile appended to; created with its folder if missing
     * @param stderr  also log to stderr (always when there is no file)
     */
    public record Settings(int level, Optional<Path> logFile, boolean stderr) {
        public Settings {
            levelFor(level);
        }
    }

    /** {@code log_level} as the original defined it; the config rejects anything else. */
    public static Level levelFor(int logLevel) {
        return switch (logLevel) {
            case 0 -> Level.ERROR;
            case 1 -> Level.WARN;
            case 2 -> Level.INFO;
            case 3 -> Level.DEBUG;
            default -> throw new IllegalArgumentException("log_level must be 0, 1, 2 or 3, not " + logLevel);
        };
    }

    /**
     * Opens the log file for appending (creating its folder), so a path the agent cannot write is a clear
     * error at start rather than a log4j status line and a silent agent.
     */
    public static void checkWritable(Path logFile) throws IOException {
        Path dir = logFile.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        try (OutputStream out = Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.flush();
        }
    }

    /** Before the config is read: warnings and errors to stderr, and no log4j complaint about a missing file. */
    public static void configureForStartup() {
        configure(new Settings(1, Optional.empty(), true));
    }

    /** Replaces the running log configuration (the first call, or a reload). */
    public static synchronized void configure(Settings settings) {
        BuiltConfiguration wanted = build(settings);
        LoggerContext context = Configurator.initialize(wanted);
        if (context.getConfiguration() == wanted) {
            return;
        }
        // log4j hands a new configuration the old one's open file when the names match, so a log file
        // that logrotate moved away would never be reopened: let go of every file before opening again.
        // Meanwhile lines go to stderr at the wanted level: a line logged during a reload is never lost.
        if (settings.logFile().isPresent()) {
            context.setConfiguration(build(new Settings(settings.level(), Optional.empty(), true)));
        }
        context.setConfiguration(wanted);
    }

    static BuiltConfiguration build(Settings settings) {
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName("fail2ban-clusterd");
        // our own shutdown closes the log last; log4j's hook would close it before the agent's last words
        b.setShutdownHook("disable");
        b.setStatusLevel(Level.WARN);
        LayoutComponentBuilder layout = b.newLayout("PatternLayout").addAttribute("pattern", PATTERN);
        RootLoggerComponentBuilder root = b.newRootLogger(levelFor(settings.level()));
        if (settings.logFile().isPresent()) {
            AppenderComponentBuilder file = b.newAppender("file", "File")
                    .addAttribute("fileName", settings.logFile().get().toString())
                    .addAttribute("append", true)
                    .add(layout);
            b.add(file);
            root.add(b.newAppenderRef("file"));
        }
        if (settings.stderr() || settings.logFile().isEmpty()) {
            b.add(b.newAppender("stderr", "Console")
                    .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
                    .add(layout));
            root.add(b.newAppenderRef("stderr"));
        }
        // Netty says a lot at debug that an operator asking for log_level 3 does not mean
        b.add(b.newLogger("io.netty", levelFor(Math.min(settings.level(), 2))));
        b.add(root);
        return b.build(false);
    }
}
