package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OverlongLineHandlerTest {
    private RecordingAppender log;

    @BeforeEach
    void captureLog() {
        log = RecordingAppender.attachTo(OverlongLineHandler.class);
    }

    @AfterEach
    void releaseLog() {
        log.detach();
    }

    private static void sendLongLines(EmbeddedChannel channel, int count) {
        for (int i = 0; i < count; i++) {
            channel.writeInbound(Unpooled.copiedBuffer("z".repeat(100) + "\n", StandardCharsets.UTF_8));
        }
    }

    @Test
    void warnsOncePerIntervalWithACount() {
        OverlongLineHandler handler = new OverlongLineHandler(16, "srv:1986", TimeUnit.SECONDS.toNanos(10));
        EmbeddedChannel channel = new EmbeddedChannel(new LineBasedFrameDecoder(16, true, true), handler);
        channel.freezeTime();

        sendLongLines(channel, 1);
        sendLongLines(channel, 500);
        List<LogEvent> first = log.events();
        assertEquals(1, first.size(), "a flood of long lines is one warning, not one per line");
        assertEquals("srv:1986: dropped 1 line(s) longer than 16 bytes (1 in total on this connection)",
                first.get(0).getMessage().getFormattedMessage());

        channel.advanceTimeBy(11, TimeUnit.SECONDS);
        sendLongLines(channel, 1);
        List<LogEvent> second = log.events();
        assertEquals(2, second.size());
        assertEquals("srv:1986: dropped 501 line(s) longer than 16 bytes (502 in total on this connection)",
                second.get(1).getMessage().getFormattedMessage());
        assertEquals(502, handler.dropped());
        assertFalse(channel.finish());
    }

    @Test
    void otherExceptionsPassThrough() {
        EmbeddedChannel channel = new EmbeddedChannel(new OverlongLineHandler(16, "x"));
        channel.pipeline().fireExceptionCaught(new IllegalStateException("boom"));
        try {
            channel.checkException();
            throw new AssertionError("expected the exception to reach the end of the pipeline");
        } catch (IllegalStateException expected) {
            assertEquals("boom", expected.getMessage());
        }
        assertFalse(channel.finish());
    }
}
