package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionHandlerTest {
    private static final Duration GREETING_TIMEOUT = Duration.ofSeconds(60);
    private static final Instant WALL = Instant.parse("2026-12-02T00:00:00Z");
    private final ServerState state = new ServerState("fanout:1986");
    /** The link's channels, as the session asks for them. */
    private final AtomicReference<List<String>> linkChannels = new AtomicReference<>(List.of("Fail2ban", "Other"));
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.pipeline().addLast(new SessionHandler("fanout:1986", linkChannels::get, state,
                GREETING_TIMEOUT, Agent.PROCESS_NAME));
        channel.pipeline().fireChannelActive();
    }

    private long now() {
        return channel.eventLoop().ticker().nanoTime();
    }

    /** What {@code status} shows now, the frozen loop's time taken as {@link #WALL}. */
    private AgentStatus.ServerStatus status() {
        return state.snapshot(now(), WALL);
    }

    /** One line, a second after the last: the server's state must show it arrived now. */
    private void lineAfterASecond(Object line) {
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.writeInbound(line);
        assertEquals(Optional.of(WALL), status().lastLineAt(), "every line is recorded as it arrives: " + line);
    }

    @Test
    void subscribesToEveryChannelWhenTheConnectionComesUp() {
        assertEquals(new Command.Subscribe("Fail2ban"), channel.readOutbound());
        assertEquals(new Command.Subscribe("Other"), channel.readOutbound());
        assertNull(channel.readOutbound());
        assertFalse(channel.finish());
    }

    @Test
    void recordsTheGreetingAndEveryLineAndPassesOnlyChannelMessages() {
        channel.readOutbound();
        channel.readOutbound();
        assertEquals(Optional.empty(), status().lastLineAt());
        lineAfterASecond(ServerLine.parse("1795620628"));
        assertEquals("connecting", status().state(), "a ping reply is not a greeting");
        assertEquals(Optional.empty(), status().connectedSince());
        lineAfterASecond(ServerLine.parse("debug!connected..."));
        assertEquals("connected", status().state());
        assertEquals(Optional.of(WALL), status().connectedSince());
        assertEquals(Optional.of(Duration.ZERO), state.greetedFor(now()));
        lineAfterASecond(ServerLine.parse("uptime: 0d 0h 0m 7s"));
        lineAfterASecond(ServerLine.parse("hello"));
        lineAfterASecond(ServerLine.parse("debug!something else"));
        ServerLine.ChannelMessage message = new ServerLine.ChannelMessage("Fail2ban", "jail=sshd");
        lineAfterASecond(message);
        assertEquals(message, channel.readInbound());
        assertNull(channel.readInbound(), "debug, ping replies, info and unknown lines stop here");
        assertEquals(Optional.of(Duration.ofSeconds(4)), state.greetedFor(now()), "greeted once, four lines ago");
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void aServerThatNeverGreetsIsDroppedAfterTheTimeout() {
        channel.readOutbound();
        channel.readOutbound();
        channel.writeInbound(ServerLine.parse("1795620628"));
        channel.advanceTimeBy(GREETING_TIMEOUT.toNanos() - 1, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void aGreetedSessionIsNotDroppedByTheGreetingTimeout() {
        channel.readOutbound();
        channel.readOutbound();
        channel.writeInbound(ServerLine.parse("debug!connected..."));
        channel.advanceTimeBy(GREETING_TIMEOUT.multipliedBy(2).toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void busyIsReportedAndCloses() {
        channel.readOutbound();
        channel.readOutbound();
        channel.writeInbound(ServerLine.parse("debug!busy"));
        assertEquals(Optional.empty(), state.greetedFor(now()), "a busy server never greeted us");
        assertEquals(Optional.empty(), status().connectedSince());
        assertEquals(Optional.of(WALL), status().lastLineAt());
        assertFalse(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void aConnectionErrorClosesTheChannel() {
        channel.readOutbound();
        channel.readOutbound();
        channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertFalse(channel.isOpen());
        assertFalse(channel.finish());
    }

    /** What the link does on a reload: its channels change, and the live connection hears the difference. */
    private Resubscribe reload(String... channels) {
        Resubscribe change = Resubscribe.between(linkChannels.get(), List.of(channels));
        linkChannels.set(List.of(channels));
        channel.pipeline().fireUserEventTriggered(change);
        return change;
    }

    @Test
    void aReloadUnsubscribesRemovedChannelsAndSubscribesAddedOnesOnTheLiveConnection() {
        channel.readOutbound();
        channel.readOutbound();
        reload("Other", "Mail");
        assertEquals(new Command.Unsubscribe("Fail2ban"), channel.readOutbound());
        assertEquals(new Command.Subscribe("Mail"), channel.readOutbound());
        assertNull(channel.readOutbound(), "Other was subscribed already");
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void aReloadWithTheSameChannelsSendsNothingAndTheNextConnectSubscribesTheNewList() {
        channel.readOutbound();
        channel.readOutbound();
        reload("Fail2ban", "Other");
        assertNull(channel.readOutbound());
        reload("Mail");
        channel.releaseOutbound();
        channel.pipeline().fireChannelActive();
        assertEquals(new Command.Subscribe("Mail"), channel.readOutbound(), "a reconnect subscribes the new list");
        assertNull(channel.readOutbound());
        assertFalse(channel.finish());
    }

    @Test
    void theReloadEventGoesOnToTheNextHandlers() {
        List<Object> seen = new ArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                seen.add(evt);
            }
        });
        Resubscribe change = reload("Fail2ban");
        assertEquals(List.of(change), seen);
        channel.releaseOutbound();
        assertFalse(channel.finish());
    }
}
