package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * The parsers that hostile bytes reach first, fed random input: they never throw, and what they
 * produce is bounded by what they were given (no output grows beyond its input).
 */
class ParserPropertiesTest {
    private static final int MAX_LINE = 256;

    @Provide
    Arbitrary<String> messageLike() {
        // Mostly the characters the parser cares about, so splits, trims and repeats are exercised.
        return Arbitraries.strings().withChars("=, \t\r\n!:%-ab1").withCharRange('\u0000', '\uffff')
                .ofMaxLength(300);
    }

    @Property(tries = 1000)
    void messageParseNeverThrowsAndStaysWithinItsInput(@ForAll("messageLike") String text) {
        Message message = Message.parse(text);

        assertTrue(message.raw().length() <= text.length());
        assertTrue(message.size() <= text.length());
        int chars = 0;
        for (int i = 0; i < message.size(); i++) {
            chars += message.keyAt(i).length() + message.valueAt(i).length();
        }
        assertTrue(chars <= message.raw().length());
        // Declared to never throw either: it sorts whatever arrives.
        MessageSignature.fields(message);
    }

    @Property(tries = 1000)
    void limitsOnlyEverRefuseTheyNeverChangeWhatIsParsed(@ForAll("messageLike") String text) {
        Message unlimited = Message.parse(text);
        Message limited = Message.parse(text, new MessageLimits(8, 16));
        assertEquals(unlimited.raw(), limited.raw());
        if (limited.refusal() == null) {
            assertEquals(unlimited.pairs(), limited.pairs());
            assertEquals(unlimited.hasDuplicateKeys(), limited.hasDuplicateKeys());
            assertTrue(limited.size() <= 8);
        } else {
            assertEquals(0, limited.size(), "a refused message has no pairs to act on");
        }
        assertTrue(Message.parse(text, new MessageLimits(1024, 1024)).refusal() != null
                || unlimited.raw().chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f),
                "every control character but tab is refused");
    }

    @Property(tries = 1000)
    void serverLineParseNeverThrows(@ForAll("messageLike") String line) {
        ServerLine parsed = ServerLine.parse(line);
        if (parsed instanceof ServerLine.ChannelMessage m) {
            assertEquals(line.length() - 1, m.channel().length() + m.message().length());
        }
    }

    @Property(tries = 300)
    void decoderTurnsRandomBytesIntoBoundedLines(@ForAll @Size(max = 2000) byte[] bytes) {
        EmbeddedChannel channel = new EmbeddedChannel(
                new LineBasedFrameDecoder(MAX_LINE, true, true),
                new OverlongLineHandler(MAX_LINE, "fuzz"),
                ServerLineDecoder.INSTANCE);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        int lines = 0;
        for (Object out; (out = channel.readInbound()) != null; lines++) {
            assertTrue(out instanceof ServerLine, "unexpected output type");
            assertTrue(length((ServerLine) out) <= MAX_LINE);
        }
        int newlines = 0;
        for (byte b : bytes) {
            newlines += b == '\n' ? 1 : 0;
        }
        assertTrue(lines <= newlines);
        channel.finishAndReleaseAll();
    }

    @Property(tries = 300)
    void splitsAnywhereDecodeTheSameAsWhole(@ForAll @StringLength(max = 400) String text, @ForAll @Size(max = 8) int[] cuts) {
        byte[] bytes = (text + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        EmbeddedChannel whole = new EmbeddedChannel(new LineBasedFrameDecoder(MAX_LINE, true, true),
                new OverlongLineHandler(MAX_LINE, "whole"), ServerLineDecoder.INSTANCE);
        EmbeddedChannel pieces = new EmbeddedChannel(new LineBasedFrameDecoder(MAX_LINE, true, true),
                new OverlongLineHandler(MAX_LINE, "pieces"), ServerLineDecoder.INSTANCE);
        whole.writeInbound(Unpooled.wrappedBuffer(bytes));
        int at = 0;
        for (int cut : cuts) {
            int next = Math.min(bytes.length, at + Math.floorMod(cut, 64));
            ByteBuf piece = Unpooled.copiedBuffer(bytes, at, next - at);
            pieces.writeInbound(piece);
            at = next;
        }
        pieces.writeInbound(Unpooled.copiedBuffer(bytes, at, bytes.length - at));
        for (Object expected; (expected = whole.readInbound()) != null; ) {
            assertEquals(expected, pieces.readInbound());
        }
        assertFalse(pieces.finishAndReleaseAll());
        whole.finishAndReleaseAll();
    }

    private static int length(ServerLine line) {
        if (line instanceof ServerLine.ChannelMessage m) {
            return m.channel().length() + m.message().length() + 1;
        } else if (line instanceof ServerLine.DebugLine d) {
            return d.text().length() + "debug!".length();
        } else if (line instanceof ServerLine.InfoLine i) {
            return i.key().length() + i.value().length() + 2;
        } else if (line instanceof ServerLine.UnknownLine u) {
            return u.text().length();
        }
        return 0;
    }
}
