package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.OverlongLineHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The broker's framing as assembled by {@link BrokerInitializer#addLineHandlers}: bytes to commands. */
class LineHandlersTest {
    private static final int MAX_LINE = 64;
    private final EmbeddedChannel channel = new EmbeddedChannel();

    LineHandlersTest() {
        BrokerInitializer.addLineHandlers(channel.pipeline(), MAX_LINE);
    }

    @AfterEach
    void nothingLeftOver() {
        assertFalse(channel.finish());
    }

    private void send(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    private String nextAnnounce() {
        Command.Announce announce = assertInstanceOf(Command.Announce.class, channel.readInbound());
        try {
            return announce.channel() + "!" + announce.message();
        } finally {
            announce.release();
        }
    }

    @Test
    void splitsAtNewlineOnlyAndKeepsCarriageReturn() {
        send("announce Fail2ban one\r\nannounce Fail2ban two\nsubscribe X\r\n");
        assertEquals("Fail2ban!one\r", nextAnnounce());
        assertEquals("Fail2ban!two", nextAnnounce());
        Command.Subscribe subscribe = assertInstanceOf(Command.Subscribe.class, channel.readInbound());
        assertEquals("X\r", subscribe.channel().toString());
        assertNull(channel.readInbound());
    }

    @Test
    void reassemblesALineSentOneByteAtATime() {
        for (byte b : "announce Fail2ban ip=192.0.2.7\nping\n".getBytes(StandardCharsets.US_ASCII)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals("Fail2ban!ip=192.0.2.7", nextAnnounce());
        assertSame(Command.Ping.INSTANCE, channel.readInbound());
    }

    @Test
    void lineWithoutNewlineIsNotACommandYet() {
        send("ping");
        assertNull(channel.readInbound());
        send("\n");
        assertSame(Command.Ping.INSTANCE, channel.readInbound());
    }

    @Test
    void overlongLineIsDroppedWithOneWarningAndTheNextLineWorks() {
        channel.freezeTime();
        try (LogCapture log = LogCapture.of(OverlongLineHandler.class)) {
            send("announce Fail2ban " + "x".repeat(MAX_LINE) + "\nannounce Fail2ban good\n");
            assertEquals("Fail2ban!good", nextAnnounce());
            // more over-long lines within the interval: counted, not logged again
            for (int i = 0; i < 100; i++) {
                send("y".repeat(MAX_LINE + 10));
                send("\n");
            }
            send("ping\n");
            assertSame(Command.Ping.INSTANCE, channel.readInbound());

            List<String> warnings = log.messages();
            assertEquals(1, warnings.size(), "one warning for a flood: " + warnings);
            assertTrue(warnings.get(0).startsWith("WARN "), warnings.get(0));
            assertTrue(warnings.get(0).contains("dropped 1 line(s) longer than 64 bytes"), warnings.get(0));
            OverlongLineHandler overlong = (OverlongLineHandler) channel.pipeline().get(BrokerInitializer.OVERLONG);
            assertEquals(101, overlong.dropped());
            assertTrue(channel.isActive(), "an over-long line does not cost the connection");

            channel.advanceTimeBy(OverlongLineHandler.DEFAULT_LOG_INTERVAL_SECONDS + 1, TimeUnit.SECONDS);
            send("z".repeat(MAX_LINE + 1) + "\n");
            assertEquals(2, log.messages().size(), "after the interval the count is reported");
            assertTrue(log.messages().get(1).contains("dropped 101 line(s)"), log.messages().get(1));
        }
    }

    @Test
    void lineOfExactlyMaxLengthIsAccepted() {
        String line = "announce Fail2ban " + "m".repeat(MAX_LINE - "announce Fail2ban ".length());
        assertEquals(MAX_LINE, line.length());
        send(line + "\n");
        assertEquals("Fail2ban!" + "m".repeat(MAX_LINE - 18), nextAnnounce());
    }
}
