package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both sides of the command codec, as the programs assemble them: the agent's (and, through
 * {@link Command#toBytes()}, the client's) encoder writes, the broker's framer and decoder read.
 */
class CommandCodecTest {
    private final EmbeddedChannel agent = new EmbeddedChannel(CommandEncoder.INSTANCE);
    private final EmbeddedChannel broker = new EmbeddedChannel(
            LineFraming.decoder(Wire.DEFAULT_MAX_LINE, LineFraming.CarriageReturn.KEEP), CommandDecoder.INSTANCE);

    @AfterEach
    void nothingLeftOver() {
        assertFalse(agent.finish(), "unread output on the agent's side");
        assertFalse(broker.finish(), "unread input on the broker's side");
    }

    static List<Command> commands() {
        return List.of(new Command.Subscribe("Fail2ban"), new Command.Unsubscribe("Fail2ban"),
                new Command.Announce("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7, note=a!b"),
                new Command.Announce("Zürich", "ip=2001:db8::1, note=é  two spaces"),
                Command.Ping.INSTANCE, Command.Info.INSTANCE);
    }

    /** What the agent's encoder wrote, as one buffer the caller releases. */
    private ByteBuf written(Command command) {
        agent.writeOutbound(command);
        return agent.readOutbound();
    }

    @ParameterizedTest
    @MethodSource("commands")
    void whatTheEncoderWritesTheDecoderReadsBack(Command command) {
        ByteBuf bytes = written(command);
        assertArrayEquals(command.toBytes(), ByteBufUtil.getBytes(bytes), "the client's plain socket writes the same");
        broker.writeInbound(bytes);
        Object decoded = broker.readInbound();
        try {
            assertEquals(command, decoded);
        } finally {
            ReferenceCountUtil.release(decoded);
        }
    }

    @Test
    void aDecodedAnnounceHoldsASliceOfTheLineUntilReleased() {
        ByteBuf line = Unpooled.copiedBuffer("announce Fail2ban ip=192.0.2.7", StandardCharsets.US_ASCII);
        EmbeddedChannel decoder = new EmbeddedChannel(CommandDecoder.INSTANCE);
        decoder.writeInbound(line);
        Command.Announce announce = assertInstanceOf(Command.Announce.class, decoder.readInbound());
        assertEquals(1, line.refCnt(), "the decoder gave its reference back; the announce holds the line, not a copy");
        assertEquals("ip=192.0.2.7", announce.message());
        assertEquals(true, announce.release());
        assertEquals(0, line.refCnt());
        assertFalse(decoder.finish());
    }

    @Test
    void aDecodedAnnounceEncodesToTheBytesItCameAsCarriageReturnAndNonUtf8Included() {
        byte[] wire = {'a', 'n', 'n', 'o', 'u', 'n', 'c', 'e', ' ', 'X', '\r', ' ', (byte) 0xff, 'm', '\r'};
        broker.writeInbound(Unpooled.wrappedBuffer(wire, new byte[] {'\n'}));
        Command.Announce announce = assertInstanceOf(Command.Announce.class, broker.readInbound());
        try {
            assertEquals(2, announce.channel().length(), "the \\r is part of the channel, as in fanout");
            assertEquals(3, announce.messageLength());
            byte[] line = announce.toBytes();
            assertEquals('\n', line[line.length - 1]);
            assertArrayEquals(wire, Arrays.copyOf(line, line.length - 1));
        } finally {
            announce.release();
        }
    }

    @Test
    void anAnnounceMadeFromTextHoldsNoBufferAndCanBeWrittenAgain() {
        Command.Announce announce = new Command.Announce("Fail2ban", "ip=192.0.2.7");
        for (int i = 0; i < 2; i++) {
            ByteBuf bytes = written(announce);
            try {
                assertEquals("announce Fail2ban ip=192.0.2.7\n", bytes.toString(StandardCharsets.UTF_8));
            } finally {
                bytes.release();
            }
        }
        assertEquals(1, announce.refCnt());
        assertFalse(announce.release(), "nothing to free");
    }

    @Test
    void aSubscribeTheDecoderIgnoresIsNeverMadeFromText() {
        // the decoder ignores a subscribe to a channel with '!'; a caller cannot even build one
        broker.writeInbound(Unpooled.copiedBuffer("subscribe a!b\n", StandardCharsets.US_ASCII));
        assertNull(broker.readInbound());
        assertThrows(IllegalArgumentException.class, () -> new Command.Subscribe("a!b"));
    }
}
