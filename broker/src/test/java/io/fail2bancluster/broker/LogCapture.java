package io.fail2bancluster.broker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** The formatted messages one class logs while a test runs; close it to stop capturing. */
final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Logger target;

    private LogCapture(Logger target) {
        super("capture-" + target.getName(), null, null, true, Property.EMPTY_ARRAY);
        this.target = target;
    }

    static LogCapture of(Class<?> type) {
        LogCapture capture = new LogCapture((Logger) LogManager.getLogger(type));
        capture.start();
        capture.target.addAppender(capture);
        return capture;
    }

    @Override
    public void append(LogEvent event) {
        messages.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
    }

    List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() {
        target.removeAppender(this);
        stop();
    }
}
