package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.ServerLine.ChannelMessage;
import io.fail2bancluster.protocol.ServerLine.DebugLine;
import io.fail2bancluster.protocol.ServerLine.InfoLine;
import io.fail2bancluster.protocol.ServerLine.PingReply;
import io.fail2bancluster.protocol.ServerLine.UnknownLine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The agent-side inbound path: frame decoder, over-long line handling, line decoder. */
class ServerLinePipelineTest {
    private static final int MAX = 64;

    private final OverlongLineHandler overlong = new OverlongLineHandler(MAX, "test-server", TimeUnit.SECONDS.toNanos(10));
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new LineBasedFrameDecoder(MAX, true, true), overlong, ServerLineDecoder.INSTANCE);

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private List<ServerLine> drain() {
        List<ServerLine> lines = new ArrayList<>();
        ServerLine line;
        while ((line = channel.readInbound()) != null) {
            lines.add(line);
        }
        return lines;
    }

    @Test
    void splitReadsOneByteAtATime() {
        String wire = "debug!connected...\nFail2ban!jail=sshd, action=banip, ip=192.0.2.7\n1795620628\n";
        for (byte b : wire.getBytes(StandardCharsets.UTF_8)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(List.of(
                new DebugLine("connected..."),
                new ChannelMessage("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7"),
                new PingReply(1795620628L)), drain());
        assertFalse(channel.finish());
    }

    @Test
    void severalLinesInOneRead() {
        channel.writeInbound(bytes("all!everybody\nFail2ban!one\nFail2ban!two\nuptime: 0d 0h 0m 7s\n"));
        assertEquals(List.of(
                new ChannelMessage("all", "everybody"),
                new ChannelMessage("Fail2ban", "one"),
                new ChannelMessage("Fail2ban", "two"),
                new InfoLine("uptime", "0d 0h 0m 7s")), drain());
        assertFalse(channel.finish());
    }

    @Test
    void bangInsideMessageIsKeptAndChannelEndsAtFirstBang() {
        channel.writeInbound(bytes("Fail2ban!jail=sshd, note=a!b\n"));
        assertEquals(List.of(new ChannelMessage("Fail2ban", "jail=sshd, note=a!b")), drain());
        assertFalse(channel.finish());
    }

    @Test
    void crlfIsStrippedByTheAgentFramer() {
        channel.writeInbound(bytes("Fail2ban!one\r\n"));
        assertEquals(List.of(new ChannelMessage("Fail2ban", "one")), drain());
        assertFalse(channel.finish());
    }

    @Test
    void crInsideALineIsKept() {
        // the reference server delivers a channel subscribed as "X\r" as "X\r!cr"
        channel.writeInbound(bytes("X\r!cr\n"));
        assertEquals(List.of(new ChannelMessage("X\r", "cr")), drain());
        assertFalse(channel.finish());
    }

    @Test
    void overlongLineIsDroppedAndTheNextLineStillArrives() {
        String longLine = "Fail2ban!" + "x".repeat(MAX * 3);
        channel.writeInbound(bytes(longLine.substring(0, 100)));
        channel.writeInbound(bytes(longLine.substring(100) + "\nFail2ban!jail=sshd\n"));
        assertEquals(List.of(new ChannelMessage("Fail2ban", "jail=sshd")), drain());
        assertEquals(1, overlong.dropped());
        assertTrue(channel.isActive(), "an over-long line must not close the connection");
        assertFalse(channel.finish());
    }

    @Test
    void overlongLineSplitAcrossManyReadsIsNeverBuffered() {
        channel.writeInbound(bytes("Fail2ban!"));
        for (int i = 0; i < 1000; i++) {
            channel.writeInbound(bytes("y".repeat(1024)));
        }
        channel.writeInbound(bytes("\nall!ok\n"));
        assertEquals(List.of(new ChannelMessage("all", "ok")), drain());
        assertEquals(1, overlong.dropped());
        assertFalse(channel.finish());
    }

    @Test
    void unknownShapesAreKeptAsUnknownLines() {
        channel.writeInbound(bytes("\nhello\n12a\n"));
        assertEquals(List.of(new UnknownLine(""), new UnknownLine("hello"), new UnknownLine("12a")), drain());
        assertFalse(channel.finish());
    }

    @Test
    void debugLinesAreRecognised() {
        channel.writeInbound(bytes("debug!connected...\ndebug!busy\n"));
        List<ServerLine> lines = drain();
        assertTrue(assertInstanceOf(DebugLine.class, lines.get(0)).isGreeting());
        assertTrue(assertInstanceOf(DebugLine.class, lines.get(1)).isBusy());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void invalidUtf8DoesNotThrow() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'a', '!', (byte) 0xff, (byte) 0xc3, '\n'}));
        ChannelMessage m = assertInstanceOf(ChannelMessage.class, channel.readInbound());
        assertEquals("a", m.channel());
        assertFalse(channel.finish());
    }
}
