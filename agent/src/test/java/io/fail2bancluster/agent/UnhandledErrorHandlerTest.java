package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.LogThrottle;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UnhandledErrorHandlerTest {
    private final ServerState state = new ServerState("fanout:1986");
    private final Logger logger = (Logger) LogManager.getLogger(UnhandledErrorHandler.class);
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final AbstractAppender capture = new AbstractAppender("errors-test", null, null, true, Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            logged.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }
    };

    /** Throws on every read, as a handler with a bug would. */
    private static final class Throwing extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            throw new IllegalStateException("planted failure on " + msg);
        }
    }

    @AfterEach
    void detach() {
        logger.removeAppender(capture);
        capture.stop();
    }

    @Test
    void countsEveryErrorLogsOncePerIntervalAndKeepsTheConnection() {
        capture.start();
        logger.addAppender(capture);
        logger.setLevel(Level.ALL);
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new Throwing(), new UnhandledErrorHandler(state));

        channel.writeInbound("one", "two", "three");
        assertEquals(3, state.count(Counter.ERRORS));
        assertEquals(1, logged.size(), "one line for the first, the next two wait for the interval: " + logged);
        assertTrue(logged.get(0).startsWith("ERROR fanout:1986: a handler failed on a message (1 such error(s)"),
                logged.get(0));

        channel.advanceTimeBy(LogThrottle.DEFAULT_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        channel.writeInbound("four");
        assertEquals(4, state.count(Counter.ERRORS));
        assertEquals(2, logged.size(), logged.toString());
        assertTrue(logged.get(1).contains("(3 such error(s) since the last report"), logged.get(1));

        assertTrue(channel.isActive(), "the connection stays up");
        assertFalse(channel.finish());
    }
}
