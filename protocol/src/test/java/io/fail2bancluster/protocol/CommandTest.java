package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.Command.Announce;
import io.fail2bancluster.protocol.Command.Info;
import io.fail2bancluster.protocol.Command.Ping;
import io.fail2bancluster.protocol.Command.Subscribe;
import io.fail2bancluster.protocol.Command.Unsubscribe;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CommandTest {

    private static String encoded(Command command) {
        EmbeddedChannel channel = new EmbeddedChannel(CommandEncoder.INSTANCE);
        channel.writeOutbound(command);
        ByteBuf out = channel.readOutbound();
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
            assertFalse(channel.finish());
        }
    }

    @Test
    void encodesExactBytes() {
        assertEquals("subscribe Fail2ban\n", encoded(new Subscribe("Fail2ban")));
        assertEquals("unsubscribe Fail2ban\n", encoded(new Unsubscribe("Fail2ban")));
        assertEquals("announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, note=a!b\n",
                encoded(new Announce("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7, note=a!b")));
        assertEquals("ping\n", encoded(Ping.INSTANCE));
        assertEquals("info\n", encoded(Info.INSTANCE));
    }

    @Test
    void toBytesMatchesTheEncoder() {
        Announce a = new Announce("Fail2ban", "ip=2001:db8::1, note=é");
        assertArrayEquals(encoded(a).getBytes(StandardCharsets.UTF_8), a.toBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad!name", "two words", "cr\r", "lf\n", "nul\0", ""})
    void refusesChannelsThatWouldBreakTheLine(String channel) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Subscribe(channel));
        assertTrue(e.getMessage().startsWith("channel"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Announce(channel, "x=1"));
        assertThrows(IllegalArgumentException.class, () -> new Unsubscribe(channel));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ip=1\nsubscribe x", "ip=1\r", "nul\0byte", ""})
    void refusesMessagesThatWouldBreakTheLine(String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Announce("Fail2ban", message));
        assertTrue(e.getMessage().startsWith("message"), e.getMessage());
    }

    @Test
    void errorNamesTheOffendingCharacter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Subscribe("a b"));
        assertEquals("channel \"a b\" contains a space at index 1; a channel may not contain '!', space, CR, LF or NUL",
                e.getMessage());
    }
}
