package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.LogCapture;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.util.LogThrottle;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UnhandledErrorHandlerTest {
    private final ServerState state = new ServerState("fanout:1986");
    private final LogCapture log = LogCapture.of(UnhandledErrorHandler.class);

    /** Throws on every read, as a handler with a bug would. */
    private static final class Throwing extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            throw new IllegalStateException("planted failure on " + msg);
        }
    }

    @AfterEach
    void detach() {
        log.close();
    }

    @Test
    void countsEveryErrorLogsOncePerIntervalAndKeepsTheConnection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new Throwing(), new UnhandledErrorHandler(state));

        channel.writeInbound("one", "two", "three");
        assertEquals(3, state.count(Counter.ERRORS));
        assertEquals(1, log.lines().size(), "one line for the first, the next two wait for the interval: " + log.lines());
        assertTrue(log.lines().get(0).startsWith("ERROR fanout:1986: a handler failed on a message (1 such error(s)"),
                log.lines().get(0));

        channel.advanceTimeBy(LogThrottle.DEFAULT_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        channel.writeInbound("four");
        assertEquals(4, state.count(Counter.ERRORS));
        assertEquals(2, log.lines().size(), log.lines().toString());
        assertTrue(log.lines().get(1).contains("(3 such error(s) since the last report"), log.lines().get(1));

        assertTrue(channel.isActive(), "the connection stays up");
        assertFalse(channel.finish());
    }
}
