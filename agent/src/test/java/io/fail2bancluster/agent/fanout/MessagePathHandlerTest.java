package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where fanout's pipeline hands channel messages to the path, and only those. */
class MessagePathHandlerTest {
    private final ServerState state = new ServerState("fanout:1986");
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();

    private EmbeddedChannel fanout() {
        EmbeddedChannel channel = new EmbeddedChannel();
        MessagePath path = new MessagePath(state, 0,
                new ChannelRoutes(Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute()), Map.of()),
                Fixtures.shared(channel.eventLoop(), new Deduplicator(Duration.ofSeconds(5)), runner));
        channel.pipeline().addLast(new MessagePathHandler(path));
        return channel;
    }

    @Test
    void channelMessagesGoToThePath() {
        EmbeddedChannel fanout = fanout();
        fanout.writeInbound(new ServerLine.ChannelMessage(Fixtures.CHANNEL, "action=banip,jail=sshd,ip=192.0.2.7"));
        assertNull(fanout.readInbound(), "the path is the end of the pipeline's inbound messages");
        assertEquals(1, state.count(Counter.RECEIVED));
        assertEquals(List.of(List.of("ban", "sshd", "banip", "192.0.2.7")), runner.argvs());
        assertFalse(fanout.finish());
    }

    @Test
    void otherLinesPassWithoutBeingCounted() {
        EmbeddedChannel fanout = fanout();
        fanout.writeInbound(ServerLine.parse("debug!connected..."));
        fanout.writeInbound(ServerLine.parse("1795620628"));
        fanout.writeInbound(ServerLine.parse("uptime: 0d"));
        fanout.writeInbound(ServerLine.parse("hello"));
        assertNull(fanout.readInbound());
        assertEquals(0, state.count(Counter.RECEIVED));
        assertEquals(List.of(), runner.argvs());
        assertFalse(fanout.finish());
    }
}
