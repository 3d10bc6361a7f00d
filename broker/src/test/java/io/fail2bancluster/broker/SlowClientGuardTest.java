package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Unflushed writes stand for output the socket does not take: the channel turns unwritable past its mark. */
class SlowClientGuardTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final ChannelRegistry registry = new ChannelRegistry();
    private final DeliveryBudget budget = new DeliveryBudget(1024 * 1024);
    private final BrokerMetrics metrics =
            new BrokerMetrics(Ticker.systemTicker(), 0, OpenFilesLimit.UNKNOWN, registry, budget);

    private EmbeddedChannel client() {
        EmbeddedChannel channel = new EmbeddedChannel(new SlowClientGuard(DEADLINE, budget, metrics));
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(512, 1024));
        channel.freezeTime();
        return channel;
    }

    private static ByteBuf bytes(int n) {
        return Unpooled.wrappedBuffer(new byte[n]);
    }

    @Test
    void aClientBehindForTheWholeDeadlineIsClosedAsASlowConsumer() {
        EmbeddedChannel client = client();
        client.write(bytes(2000));
        assertFalse(client.isWritable());
        assertEquals(1, budget.subscribersBehind(), "announcers are held back for it");
        assertTrue(budget.exhausted());

        client.advanceTimeBy(DEADLINE.toMillis() - 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertTrue(client.isActive(), "not before the deadline");

        client.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertFalse(client.isActive());
        assertEquals(1, metrics.snapshot().slowClientsClosed());
        assertEquals(0, budget.subscribersBehind(), "gone, so nobody waits for it");
        assertFalse(budget.exhausted());
        client.finishAndReleaseAll();
    }

    @Test
    void aClientThatCatchesUpInTimeStaysAndStopsHoldingAnnouncersBack() {
        EmbeddedChannel client = client();
        client.write(bytes(2000));
        client.advanceTimeBy(DEADLINE.toMillis() - 1, TimeUnit.MILLISECONDS);
        client.flush(); // the socket took it
        assertTrue(client.isWritable());
        assertEquals(0, budget.subscribersBehind());

        client.advanceTimeBy(DEADLINE.toMillis() * 2, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertTrue(client.isActive());
        assertEquals(0, metrics.snapshot().slowClientsClosed());

        // behind again: a new deadline from now, not from the first time
        client.write(bytes(2000));
        client.advanceTimeBy(DEADLINE.toMillis() - 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertTrue(client.isActive());
        client.finishAndReleaseAll();
        assertEquals(0, budget.subscribersBehind(), "a closed client is not waited for");
    }
}
