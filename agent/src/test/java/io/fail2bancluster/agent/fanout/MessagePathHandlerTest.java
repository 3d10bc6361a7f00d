package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.BoundedRunner;
import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.status.AgentStatus;
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
        return fanout(runner);
    }

    private EmbeddedChannel fanout(ActionRunner runner) {
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

    private static ServerLine.ChannelMessage ban(int n) {
        return new ServerLine.ChannelMessage(Fixtures.CHANNEL, "action=banip,jail=sshd,ip=192.0.2." + n);
    }

    @Test
    void aFullExecQueueTurnsAutoReadOffAndHoldsTheRestOfTheRead() {
        BoundedRunner bounded = new BoundedRunner(4);
        EmbeddedChannel fanout = fanout(bounded);
        // one read's worth of lines: Netty decodes the whole buffer even after autoRead went off
        for (int n = 1; n <= 10; n++) {
            fanout.writeOneInbound(ban(n));
        }
        assertFalse(fanout.config().isAutoRead(), "reading stops: the server and TCP hold the rest");
        assertEquals(4, bounded.accepted.size());
        assertEquals(4, state.count(Counter.RECEIVED), "held lines are not received by the path yet");
        assertEquals(new AgentStatus.ReadPauses(1, true), state.readPauses());
        assertEquals(0, state.count(Counter.DROPPED));

        bounded.finish(3); // down to half: the held lines go first, while there is room
        fanout.runPendingTasks();
        assertFalse(fanout.config().isAutoRead(), "the held ones filled the queue again: still paused");
        assertEquals(7, bounded.accepted.size());
        bounded.finish(4);
        fanout.runPendingTasks();
        assertTrue(fanout.config().isAutoRead(), "all held ones went on and there is room: reading again");
        assertEquals(10, state.count(Counter.RECEIVED));
        assertEquals(List.of("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6",
                "192.0.2.7", "192.0.2.8", "192.0.2.9", "192.0.2.10"), bounded.lastArguments(), "in arrival order");
        assertEquals(new AgentStatus.ReadPauses(1, false), state.readPauses());
        assertEquals(0, bounded.dropped);
        assertFalse(fanout.finish());
    }

    @Test
    void linesHeldWhenTheServerClosesStillRunOnceThereIsRoom() {
        BoundedRunner bounded = new BoundedRunner(2);
        EmbeddedChannel fanout = fanout(bounded);
        for (int n = 1; n <= 4; n++) {
            fanout.writeOneInbound(ban(n));
        }
        fanout.close(); // the server closed us as a slow consumer: the link reconnects as after any close
        bounded.finish(2);
        fanout.runPendingTasks();
        assertEquals(4, bounded.accepted.size(), "what was read is not lost with the connection");
        assertEquals(0, bounded.dropped);
    }
}
