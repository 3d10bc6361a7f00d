package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LivenessHandlerTest {
    private static final Duration INTERVAL = Duration.ofSeconds(20);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new LivenessHandler("fanout:1986", INTERVAL, TIMEOUT));
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void sendsAPingEveryInterval() {
        advance(INTERVAL.minusMillis(1));
        assertNull(channel.readOutbound(), "no ping before the interval");
        advance(Duration.ofMillis(1));
        assertEquals(Command.Ping.INSTANCE, channel.readOutbound());
        // Replies keep the connection alive; the next ping follows one interval later.
        channel.writeInbound(new ServerLine.PingReply(1795620628));
        assertEquals(new ServerLine.PingReply(1795620628), channel.readInbound());
        advance(INTERVAL);
        assertEquals(Command.Ping.INSTANCE, channel.readOutbound());
        assertNull(channel.readOutbound());
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void closesWhenNothingArrivesForTheTimeout() {
        advance(TIMEOUT.minusMillis(1));
        assertTrue(channel.isOpen());
        advance(Duration.ofMillis(1));
        assertFalse(channel.isOpen(), "a silent or half-open server is dropped after ping_timeout");
        drainPings();
        assertFalse(channel.finish());
    }

    @Test
    void anyLineFromTheServerPostponesTheTimeout() {
        advance(TIMEOUT.minusSeconds(1));
        channel.writeInbound(new ServerLine.ChannelMessage("Fail2ban", "jail=sshd"));
        channel.readInbound();
        advance(TIMEOUT.minusSeconds(1));
        assertTrue(channel.isOpen());
        advance(Duration.ofSeconds(1));
        assertFalse(channel.isOpen());
        drainPings();
        assertFalse(channel.finish());
    }

    @Test
    void silenceWhileBackPressurePausesTheReadsIsOursAndKeepsTheConnection() {
        channel.config().setAutoRead(false); // the exec queue is full: MessagePathHandler stopped reading
        advance(TIMEOUT.multipliedBy(3));
        assertTrue(channel.isOpen(), "the ping's answer waits unread in the socket; the server is not silent");
        channel.config().setAutoRead(true);
        channel.writeInbound(new ServerLine.PingReply(1795620628)); // the answers read at once
        channel.readInbound();
        advance(TIMEOUT.minusSeconds(1));
        assertTrue(channel.isOpen());
        advance(Duration.ofSeconds(1));
        assertFalse(channel.isOpen(), "reading again, a silent server is dropped as before");
        drainPings();
        assertFalse(channel.finish());
    }

    private void drainPings() {
        Object out;
        while ((out = channel.readOutbound()) != null) {
            assertEquals(Command.Ping.INSTANCE, out);
        }
    }
}
