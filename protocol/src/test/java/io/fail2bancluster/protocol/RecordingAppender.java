package io.fail2bancluster.protocol;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Captures what one class logs, so a test can assert on the lines a user would read. */
final class RecordingAppender extends AbstractAppender {
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;

    private RecordingAppender(Logger logger) {
        super("recording-" + logger.getName(), null, null, true, Property.EMPTY_ARRAY);
        this.logger = logger;
    }

    static RecordingAppender attachTo(Class<?> type) {
        Logger logger = (Logger) LogManager.getLogger(type);
        RecordingAppender appender = new RecordingAppender(logger);
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.ALL);
        return appender;
    }

    @Override
    public void append(LogEvent event) {
        events.add(event.toImmutable());
    }

    List<LogEvent> events() {
        return List.copyOf(events);
    }

    void detach() {
        logger.removeAppender(this);
        stop();
    }
}
