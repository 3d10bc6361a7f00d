package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One line in (already framed, without its "\n"), at most one command out: the broker's side. */
class CommandDecoderTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(CommandDecoder.INSTANCE);

    @AfterEach
    void nothingLeftOver() {
        assertFalse(channel.finish());
    }

    private Object decode(String line) {
        channel.writeInbound(Unpooled.copiedBuffer(line, StandardCharsets.ISO_8859_1));
        return channel.readInbound();
    }

    /** Returns "channel|message" and releases the announce. */
    private String announce(String line) {
        Command.Announce announce = assertInstanceOf(Command.Announce.class, decode(line));
        try {
            return announce.channel() + "|" + announce.message();
        } finally {
            assertEquals(true, announce.release());
        }
    }

    @Test
    void pingAndInfoAreWholeLines() {
        assertSame(Command.Ping.INSTANCE, decode("ping"));
        assertSame(Command.Info.INSTANCE, decode("info"));
        assertNull(decode("ping\r"), "fanout compares the whole line: 'ping\\r' is not a ping");
        assertNull(decode("ping now"));
        assertNull(decode("info\r"));
    }

    @Test
    void subscribeAndUnsubscribeTakeTheChannelUpToTheNextSpace() {
        assertEquals(new Command.Subscribe("Fail2ban"), decode("subscribe Fail2ban"));
        assertEquals(new Command.Subscribe("X"), decode("subscribe X and more"));
        assertEquals(new Command.Unsubscribe("Fail2ban"), decode("unsubscribe Fail2ban"));
    }

    @Test
    void carriageReturnIsPartOfTheChannel() {
        assertEquals(new Command.Subscribe(ChannelName.fromWire(new byte[] {'X', '\r'})), decode("subscribe X\r"));
        assertEquals("X\r|cr", announce("announce X\r cr"));
    }

    @Test
    void channelWithBangCannotBeSubscribed() {
        assertNull(decode("subscribe bad!name"));
        assertNull(decode("unsubscribe bad!name"));
    }

    @Test
    void announceMessageIsEverythingAfterTheChannel() {
        assertEquals("Fail2ban|jail=sshd, action=banip, ip=192.0.2.7, note=a!b",
                announce("announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, note=a!b"));
        assertEquals("Dup| two spaces", announce("announce Dup  two spaces"));
        assertEquals("Fail2ban|one\r", announce("announce Fail2ban one\r"));
        assertEquals("bad!name|x", announce("announce bad!name x"), "nobody can subscribe it, so it is dropped later");
    }

    @ParameterizedTest
    @ValueSource(strings = {"announce Fail2ban ", "announce Fail2ban", "announce", "announce ", "announce  x y"})
    void announceWithoutChannelOrMessageIsDropped(String line) {
        assertNull(decode(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "hello", "foo bar baz", "subscribe", "subscribe ", " subscribe X", "SUBSCRIBE X",
            "publish X y", "\r"})
    void garbageIsIgnoredSilently(String line) {
        assertNull(decode(line));
    }
}
