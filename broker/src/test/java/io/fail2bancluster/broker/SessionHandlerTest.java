package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.CommandDecoder;
import io.fail2bancluster.protocol.ServerLineEncoder;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions on EmbeddedChannels sharing one registry, the way connections on different event loops
 * share it in the broker. Each client is fed lines through the real {@link CommandDecoder} and answered
 * through the real {@link ServerLineEncoder}.
 */
class SessionHandlerTest {
    private final ChannelRegistry registry = new ChannelRegistry();
    private final MockTicker ticker = Ticker.newMockTicker();
    private final DeliveryBudget budget = new DeliveryBudget(128 * 1024);
    private final BrokerMetrics metrics =
            new BrokerMetrics(ticker, 3, new OpenFilesLimit(20000, 20000), registry, budget);
    private final List<EmbeddedChannel> clients = new ArrayList<>();

    @AfterEach
    void everyClientReadCompletely() {
        for (EmbeddedChannel client : clients) {
            assertFalse(client.finish(), "unread output or input left on " + client);
        }
    }

    private EmbeddedChannel connect() {
        assertTrue(metrics.tryOpenConnection());
        EmbeddedChannel client = new EmbeddedChannel(DefaultChannelId.newInstance(),
                CommandDecoder.INSTANCE, ServerLineEncoder.INSTANCE, new SessionHandler(registry, metrics, budget));
        clients.add(client);
        assertEquals("debug!connected...\n", next(client));
        return client;
    }

    /** One read of one line (without its "\n", as the framer hands it on), then read-complete. */
    private static void send(EmbeddedChannel client, String line) {
        client.writeInbound(Unpooled.copiedBuffer(line, StandardCharsets.ISO_8859_1));
    }

    /** One read of several lines, then read-complete. */
    private static void oneRead(EmbeddedChannel client, List<String> lines) {
        for (String line : lines) {
            client.pipeline().fireChannelRead(Unpooled.copiedBuffer(line, StandardCharsets.ISO_8859_1));
        }
        client.pipeline().fireChannelReadComplete();
    }

    private static String next(EmbeddedChannel client) {
        ByteBuf line = client.readOutbound();
        if (line == null) {
            return null;
        }
        try {
            return line.toString(StandardCharsets.ISO_8859_1);
        } finally {
            line.release();
        }
    }

    @Test
    void greetsAndJoinsAll() {
        EmbeddedChannel a = connect();
        EmbeddedChannel b = connect();
        send(b, "announce all everybody");
        assertEquals("all!everybody\n", next(a));
        assertEquals("all!everybody\n", next(b), "the announcer is in 'all' too");
        assertEquals(1, registry.channelCount());
        assertEquals(2, registry.subscriptionCount());
    }

    @Test
    void announceReachesSubscribersOnlyAndKeepsBytes() {
        EmbeddedChannel a = connect();
        EmbeddedChannel b = connect();
        send(a, "subscribe Fail2ban");
        send(b, "announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, note=a!b");
        assertEquals("Fail2ban!jail=sshd, action=banip, ip=192.0.2.7, note=a!b\n", next(a));
        assertNull(next(b), "the announcer is not subscribed to Fail2ban");
        send(b, "announce Fail2ban one\r");
        assertEquals("Fail2ban!one\r\n", next(a));
        send(b, "announce Nobody hello");
        send(b, "announce bad!name x");
        assertNull(next(a));
        assertNull(next(b));
    }

    @Test
    void deliveryLineIsBuiltOnceAndShared() {
        EmbeddedChannel a = connect();
        EmbeddedChannel b = connect();
        EmbeddedChannel publisher = connect();
        send(a, "subscribe F");
        send(b, "subscribe F");
        AtomicInteger buffersAllocated = new AtomicInteger();
        publisher.config().setAllocator(new AbstractByteBufAllocator(true) {
            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                buffersAllocated.incrementAndGet();
                return new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            }

            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                buffersAllocated.incrementAndGet();
                return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        });
        send(publisher, "announce F shared");
        ByteBuf toA = a.readOutbound();
        ByteBuf toB = b.readOutbound();
        try {
            assertEquals("F!shared\n", toA.toString(StandardCharsets.US_ASCII));
            assertEquals("F!shared\n", toB.toString(StandardCharsets.US_ASCII));
            // Built once: the announcer's allocator gave one buffer for two subscribers.
            assertEquals(1, buffersAllocated.get(), "one buffer for both subscribers");
            // Shared: a byte changed through one subscriber's share is seen through the other's, whatever wraps
            // each (a duplicate, the leak detector's record keeper).
            toA.setByte(toA.readerIndex(), 'G');
            assertEquals("G!shared\n", toB.toString(StandardCharsets.US_ASCII), "both are views of one memory");
        } finally {
            toA.release();
            toB.release();
        }
    }

    @Test
    void subscribersAreFlushedOncePerReadBatch() {
        EmbeddedChannel subscriber = connect();
        EmbeddedChannel publisher = connect();
        send(subscriber, "subscribe F");
        int[] flushes = new int[1];
        subscriber.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes[0]++;
                ctx.flush();
            }
        });

        for (String line : List.of("announce F 1", "announce F 2", "announce F 3")) {
            publisher.pipeline().fireChannelRead(Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII));
        }
        assertNull(next(subscriber), "written, not flushed, while the batch is still being read");
        publisher.pipeline().fireChannelReadComplete();

        assertEquals(1, flushes[0]);
        assertEquals("F!1\nF!2\nF!3\n", next(subscriber), "one buffer for the run of announces");
        assertNull(next(subscriber));
    }

    @Test
    void aRunOfAnnouncesEndsAtAnotherChannelOrCommandAndKeepsItsOrder() {
        EmbeddedChannel subscriber = connect();
        EmbeddedChannel publisher = connect();
        send(subscriber, "subscribe F");
        send(subscriber, "subscribe G");
        oneRead(publisher, List.of("announce F 1", "announce G 2", "announce F 3", "ping", "announce F 4"));

        assertEquals("F!1\n", next(subscriber));
        assertEquals("G!2\n", next(subscriber));
        assertEquals("F!3\n", next(subscriber));
        assertEquals("F!4\n", next(subscriber));
        assertTrue(next(publisher).matches("\\d+\n"), "the ping is answered");
        assertEquals(4, metrics.snapshot().totalAnnouncements());
        assertEquals(4, metrics.snapshot().totalMessages());
    }

    @Test
    void whatWaitsForSubscribersIsAccountedUntilWrittenAndPausesTheAnnouncer() {
        EmbeddedChannel subscriber = connect();
        EmbeddedChannel publisher = connect();
        send(subscriber, "subscribe F");
        subscriber.pipeline().addFirst(new HoldWrites());
        String message = "x".repeat(1000);
        List<String> announces = java.util.Collections.nCopies(40, "announce F " + message);
        oneRead(publisher, announces);
        assertTrue(budget.reservedBytes() >= 40 * 1003 + DeliveryBatch.PER_SUBSCRIBER_BYTES,
                "the shared buffers and the subscriber's entries: " + budget.reservedBytes());
        assertTrue(publisher.config().isAutoRead(), "under the budget");

        oneRead(publisher, announces);
        assertFalse(publisher.config().isAutoRead(), "past the budget the announcer is not read");
        assertEquals(1, metrics.snapshot().announcerPauses());
        EmbeddedChannel pinger = connect();
        send(pinger, "ping");
        assertTrue(next(pinger).matches("\\d+\n"));
        assertTrue(pinger.config().isAutoRead(), "a client that does not announce is read on");

        subscriber.pipeline().remove(HoldWrites.class).release();
        assertTrue(publisher.config().isAutoRead(), "read again once the subscriber got it");
        assertEquals(0, budget.reservedBytes(), "everything given back");
        String received = "";
        for (String part = next(subscriber); part != null; part = next(subscriber)) {
            received += part;
        }
        assertEquals(("F!" + message + "\n").repeat(80), received);
    }

    /** Keeps writes (as a subscriber whose socket is full would) until released, then lets them through. */
    private static final class HoldWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> held = new ArrayList<>();
        private final List<io.netty.channel.ChannelPromise> promises = new ArrayList<>();
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            held.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // held
        }

        HoldWrites release() {
            for (int i = 0; i < held.size(); i++) {
                ctx.write(held.get(i), promises.get(i));
            }
            ctx.flush();
            held.clear();
            promises.clear();
            return this;
        }
    }

    @Test
    void duplicateSubscribeDeliversOnceAndUnsubscribeStops() {
        EmbeddedChannel e = connect();
        EmbeddedChannel f = connect();
        send(e, "subscribe Dup");
        send(e, "subscribe Dup");
        send(f, "announce Dup once");
        assertEquals("Dup!once\n", next(e));
        assertNull(next(e));
        send(e, "unsubscribe Dup");
        send(f, "announce Dup gone");
        assertNull(next(e));
        assertEquals(1, registry.channelCount(), "Dup went with its last subscriber");
    }

    @Test
    void closingForgetsEverySubscription() {
        EmbeddedChannel a = connect();
        EmbeddedChannel b = connect();
        send(a, "subscribe X");
        send(a, "subscribe Y");
        assertEquals(3, registry.channelCount());
        a.close();
        assertEquals(1, registry.channelCount());
        assertEquals(1, registry.subscriptionCount());
        send(b, "announce X after");
        assertNull(next(b));
        assertEquals(3, metrics.snapshot().totalUnsubscribes(), "fanout counts a disconnect's unsubscribes");
    }

    @Test
    void pingAnswersUnixSeconds() {
        EmbeddedChannel a = connect();
        long before = System.currentTimeMillis() / 1000;
        send(a, "ping");
        long answered = Long.parseLong(next(a).replace("\n", ""));
        assertTrue(answered >= before && answered <= System.currentTimeMillis() / 1000 + 1, "got " + answered);
    }

    /** The first section of the transcript up to its {@code info}: the same figures as fanout's. */
    @Test
    void infoCountsWhatFanoutCounts() {
        EmbeddedChannel a = connect();
        EmbeddedChannel b = connect();
        send(a, "subscribe Fail2ban");
        send(b, "announce Fail2ban jail=sshd, action=banip, ip=192.0.2.7, note=a!b");
        send(b, "announce Nobody hello");
        send(b, "announce Fail2ban ");
        send(a, "ping");
        send(a, "subscribe bad!name");
        send(b, "announce bad!name x");
        send(a, "hello");
        send(b, "announce all everybody");
        send(b, "announce Fail2ban one\r");
        send(b, "announce Fail2ban two");
        send(a, "unsubscribe Fail2ban");
        send(b, "announce Fail2ban gone");
        while (next(a) != null) {
            // deliveries and the ping reply, checked elsewhere
        }
        while (next(b) != null) {
            // its own 'all' announce
        }
        ticker.advance(7, TimeUnit.SECONDS);
        send(a, "info");

        StringBuilder info = new StringBuilder();
        for (String line = next(a); line != null; line = next(a)) {
            info.append(line);
        }
        assertEquals("""
                uptime: 0d 0h 0m 7s
                client-limit: 3
                limit rejected connections: 0
                rlimits: Soft=20000 Hard=20000
                max connections: 2
                current connections: 2
                current channels: 1
                current subscriptions: 2
                user-requested subscriptions: 0
                total connections: 2
                total announcements: 4
                total messages: 5
                total subscribes: 3
                total unsubscribes: 1
                total pings: 1
                """, info.toString(), "the transcript's info block, figure for figure, and nothing else");
    }
}
