package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsHandlerTest {
    private static final ClusterConfig.Limits LIMITS = new ClusterConfig.Limits(1024, 4, 8);
    private final ServerState state = new ServerState("fanout:1986");
    private final EmbeddedChannel channel = new EmbeddedChannel(new LimitsHandler(state, LIMITS));

    @ParameterizedTest
    @ValueSource(strings = {"a=1,b=2,c=3,d=4", "a=12345678", "a = 12345678 ,b=", ",,,,,,a=1,,,,b=2,,,", "x=a=b=c=d",
            "k\t=\tv", "a=1,b=2,c=3,d=4\r", "k=ｓｓｈｄ"})
    void withinTheLimitsPassesUnchanged(String message) {
        ServerLine.ChannelMessage line = new ServerLine.ChannelMessage("c", message);
        channel.writeInbound(line);
        assertEquals(line, channel.readInbound());
        assertEquals(1, state.count(Counter.RECEIVED));
        assertEquals(0, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=1,b=2,c=3,d=4,e=5", "a=123456789", "a,b,c,d,e", "a=1,b=2,c=3,d=4,=", "k=12345678 9",
            "k=v\u0000", "k=a\rb", "k=\u001b[2J", "k=\u007f", "k=\n"})
    void pastAnyLimitOrWithAControlCharacterIsDroppedAndCounted(String message) {
        channel.writeInbound(new ServerLine.ChannelMessage("c", message));
        assertNull(channel.readInbound());
        assertEquals(1, state.count(Counter.RECEIVED));
        assertEquals(1, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    @Test
    void problemsAreNamed() {
        assertEquals("more than max_pairs (4) pairs", LimitsHandler.problem("a,b,c,d,e", LIMITS));
        assertEquals("a value of 9 characters, more than max_value_length (8)", LimitsHandler.problem("a= 123456789 ", LIMITS));
        assertEquals("control character \"\\x00\" at index 3", LimitsHandler.problem("k=v\u0000", LIMITS));
        assertNull(LimitsHandler.problem("", LIMITS));
    }

    @Test
    void otherLinesPassWithoutBeingCounted() {
        ServerLine ping = ServerLine.parse("1795620628");
        channel.writeInbound(ping);
        assertEquals(ping, channel.readInbound());
        assertEquals(0, state.count(Counter.RECEIVED));
        assertFalse(channel.finish());
    }
}
