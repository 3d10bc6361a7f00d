package io.fail2bancluster.agent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** What one class logs, as "LEVEL message" lines, so a test can assert on what an operator reads. */
public final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final Logger logger;
    private final Level levelBefore;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        super("capture-" + logger.getName(), null, null, true, Property.EMPTY_ARRAY);
        this.logger = logger;
        this.levelBefore = logger.getLevel();
    }

    public static LogCapture of(Class<?> type) {
        LogCapture capture = new LogCapture((Logger) LogManager.getLogger(type));
        capture.start();
        capture.logger.addAppender(capture);
        capture.logger.setLevel(Level.ALL);
        return capture;
    }

    @Override
    public void append(LogEvent event) {
        lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The lines at {@code level}. */
    public List<String> at(Level level) {
        return lines.stream().filter(l -> l.startsWith(level.name() + " ")).toList();
    }

    @Override
    public void close() {
        logger.removeAppender(this);
        logger.setLevel(levelBefore);
        stop();
    }
}
