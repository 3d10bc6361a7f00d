package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionHandlerTest {
    private static final Duration GREETING_TIMEOUT = Duration.ofSeconds(60);
    private final List<String> events = new ArrayList<>();
    private final SessionHandler.Listener listener = new SessionHandler.Listener() {
        @Override
        public void greeted(long nowNanos) {
            events.add("greeted@" + nowNanos);
        }

        @Override
        public void busy() {
            events.add("busy");
        }

        @Override
        public void lineReceived(long nowNanos) {
            events.add("line@" + nowNanos);
        }
    };
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.pipeline().addLast(new SessionHandler("fanout:1986", List.of("Fail2ban", "Other"), listener,
                GREETING_TIMEOUT));
        channel.pipeline().fireChannelActive();
    }

    private long now() {
        return channel.eventLoop().ticker().nanoTime();
    }

    @Test
    void subscribesToEveryChannelWhenTheConnectionComesUp() {
        assertEquals(new Command.Subscribe("Fail2ban"), channel.readOutbound());
        assertEquals(new Command.Subscribe("Other"), channel.readOutbound());
        assertNull(channel.readOutbound());
        assertFalse(channel.finish());
    }

    @Test
    void reportsTheGreetingAndPassesOnlyChannelMessages() {
        channel.readOutbound();
        channel.readOutbound();
        channel.writeInbound(ServerLine.parse("debug!connected..."));
        channel.writeInbound(ServerLine.parse("1795620628"));
        channel.writeInbound(ServerLine.parse("uptime: 0d 0h 0m 7s"));
        channel.writeInbound(ServerLine.parse("hello"));
        channel.writeInbound(ServerLine.parse("debug!something else"));
        ServerLine.ChannelMessage message = new ServerLine.ChannelMessage("Fail2ban", "jail=sshd");
        channel.writeInbound(message);
        assertEquals(message, channel.readInbound());
        assertNull(channel.readInbound(), "debug, ping replies, info and unknown lines stop here");
        long now = now();
        assertEquals(List.of("line@" + now, "greeted@" + now, "line@" + now, "line@" + now, "line@" + now,
                "line@" + now, "line@" + now), events);
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
        assertTrue(events.contains("busy"));
        assertFalse(events.stream().anyMatch(e -> e.startsWith("greeted")));
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

    private static ChannelRoutes routesFor(String... channels) {
        Map<String, Route> routes = new LinkedHashMap<>();
        for (String name : channels) {
            routes.put(name, Fixtures.route(name, List.of(), Fixtures::renderBan, "ban"));
        }
        return new ChannelRoutes(routes, Map.of());
    }

    @Test
    void aReloadUnsubscribesRemovedChannelsAndSubscribesAddedOnesOnTheLiveConnection() {
        channel.readOutbound();
        channel.readOutbound();
        channel.pipeline().fireUserEventTriggered(routesFor("Other", "Mail"));
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
        channel.pipeline().fireUserEventTriggered(routesFor("Fail2ban", "Other"));
        assertNull(channel.readOutbound());
        channel.pipeline().fireUserEventTriggered(routesFor("Mail"));
        channel.releaseOutbound();
        channel.pipeline().fireChannelActive();
        assertEquals(new Command.Subscribe("Mail"), channel.readOutbound(), "a reconnect subscribes the new list");
        assertNull(channel.readOutbound());
        assertFalse(channel.finish());
    }

    @Test
    void theRoutesEventGoesOnToTheNextHandlers() {
        List<Object> seen = new ArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                seen.add(evt);
            }
        });
        ChannelRoutes routes = routesFor("Fail2ban");
        channel.pipeline().fireUserEventTriggered(routes);
        assertEquals(List.of(routes), seen);
        channel.releaseOutbound();
        assertFalse(channel.finish());
    }
}
