package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both sides of the server-line codec, as the programs assemble them: the broker's encoder writes, the
 * agent's framer and decoder read (and the client's plain socket reads through {@link ServerLine#parse}).
 */
class ServerLineCodecTest {
    private final EmbeddedChannel broker = new EmbeddedChannel(ServerLineEncoder.INSTANCE);
    private final EmbeddedChannel agent = new EmbeddedChannel(
            LineFraming.decoder(Wire.DEFAULT_MAX_LINE, LineFraming.CarriageReturn.STRIP), ServerLineDecoder.INSTANCE);

    @AfterEach
    void nothingLeftOver() {
        assertFalse(broker.finish(), "unread output on the broker's side");
        assertFalse(agent.finish(), "unread input on the agent's side");
    }

    static List<ServerLine> lines() {
        return List.of(new ServerLine.ChannelMessage("Fail2ban", "jail=sshd, ip=192.0.2.7, note=a!b"),
                new ServerLine.ChannelMessage("Zürich", "note=é"),
                new ServerLine.PingReply(1795620628), ServerLine.DebugLine.GREETING, ServerLine.DebugLine.BUSY,
                new ServerLine.InfoLine("uptime", "0d 0h 0m 7s"), new ServerLine.InfoLine("rlimits", "Soft=-1 Hard=-1"),
                new ServerLine.UnknownLine("hello"));
    }

    private String written(Object line) {
        broker.writeOutbound(line);
        ByteBuf bytes = broker.readOutbound();
        try {
            return bytes.toString(StandardCharsets.UTF_8);
        } finally {
            bytes.release();
        }
    }

    @ParameterizedTest
    @MethodSource("lines")
    void whatTheEncoderWritesTheDecoderReadsBack(ServerLine line) {
        String text = written(line);
        assertEquals(line.line() + "\n", text);
        agent.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        assertEquals(line, agent.readInbound());
        assertEquals(line, ServerLine.parse(line.line()), "the client's plain socket reads it the same");
    }

    @Test
    void exactBytesOfTheServersOwnLines() {
        assertEquals("debug!connected...\n", written(ServerLine.DebugLine.GREETING));
        assertEquals("debug!busy\n", written(ServerLine.DebugLine.BUSY));
        assertEquals(Wire.GREETING + "\n", written(ServerLine.DebugLine.GREETING));
        assertEquals("1795620628\n", written(new ServerLine.PingReply(1795620628)));
        assertEquals("total pings: 1\n", written(new ServerLine.InfoLine("total pings", "1")));
    }

    @Test
    void aDeliveryCarriesTheAnnounceByteForByteAndTheAgentStripsTheCarriageReturn() {
        ByteBuf announceLine = Unpooled.copiedBuffer("announce Fail2ban one\r", StandardCharsets.US_ASCII);
        EmbeddedChannel decoder = new EmbeddedChannel(CommandDecoder.INSTANCE);
        decoder.writeInbound(announceLine);
        Command.Announce announce = assertInstanceOf(Command.Announce.class, decoder.readInbound());
        ByteBuf delivery = Unpooled.buffer();
        try {
            ServerLineEncoder.writeChannelMessage(delivery, announce);
            assertEquals(ServerLineEncoder.channelMessageLength(announce), delivery.readableBytes());
            assertEquals("Fail2ban!one\r\n", delivery.toString(StandardCharsets.US_ASCII), "the broker keeps the \\r");
        } finally {
            announce.release();
            assertFalse(decoder.finish());
        }
        assertEquals(0, announceLine.refCnt(), "the delivery is a copy: the line is freed after fan-out");

        // a delivery passes the broker's encoder untouched
        broker.writeOutbound(delivery);
        ByteBuf sent = broker.readOutbound();
        assertEquals(delivery, sent);
        agent.writeInbound(sent);
        assertEquals(new ServerLine.ChannelMessage("Fail2ban", "one"), agent.readInbound(), "the agent strips it");
    }
}
