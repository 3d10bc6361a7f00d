package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Each EmbeddedChannel has a loop of its own, so every delivery here is to a "foreign" loop. */
class ForeignDeliveriesTest {
    private final ForeignDeliveries deliveries = new ForeignDeliveries();

    private static ByteBuf line(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    private static String next(EmbeddedChannel channel) {
        ByteBuf out = channel.readOutbound();
        if (out == null) {
            return null;
        }
        try {
            return out.toString(StandardCharsets.US_ASCII);
        } finally {
            out.release();
        }
    }

    /** Counts flushes reaching the head, i.e. syscalls the subscriber would cost. */
    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        final AtomicInteger flushes = new AtomicInteger();

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
        }
    }

    @Test
    void eachLoopGetsOneTaskThatWritesInOrderAndFlushesEachSubscriberOnce() {
        FlushCounter aFlushes = new FlushCounter();
        EmbeddedChannel a = new EmbeddedChannel(aFlushes);
        EmbeddedChannel b = new EmbeddedChannel();
        deliveries.add(a, line("F!1\n"), a.newPromise());
        deliveries.add(b, line("F!x\n"), b.newPromise());
        deliveries.add(a, line("F!2\n"), a.newPromise());
        deliveries.dispatch();
        assertNull(next(a), "nothing is written before the subscriber's loop runs the task");

        a.runPendingTasks();
        b.runPendingTasks();
        assertEquals("F!1\n", next(a));
        assertEquals("F!2\n", next(a));
        assertEquals("F!x\n", next(b));
        assertEquals(1, aFlushes.flushes.get(), "two lines, one flush");
        assertFalse(a.finish());
        assertFalse(b.finish());
    }

    @Test
    void aDispatchedBatchIsNotSentTwice() {
        EmbeddedChannel a = new EmbeddedChannel();
        deliveries.add(a, line("F!1\n"), a.newPromise());
        deliveries.dispatch();
        deliveries.dispatch();
        a.runPendingTasks();
        assertEquals("F!1\n", next(a));
        assertNull(next(a));
        assertFalse(a.finish());
    }

    @Test
    void linesForAClosedSubscriberOrADiscardedBatchAreReleased() {
        EmbeddedChannel closed = new EmbeddedChannel();
        ByteBuf late = line("F!late\n");
        deliveries.add(closed, late, closed.newPromise());
        closed.close();
        deliveries.dispatch();
        closed.runPendingTasks();
        assertEquals(0, late.refCnt());

        EmbeddedChannel open = new EmbeddedChannel();
        ByteBuf never = line("F!never\n");
        io.netty.channel.ChannelPromise notSent = open.newPromise();
        deliveries.add(open, never, notSent);
        deliveries.discard();
        deliveries.dispatch();
        open.runPendingTasks();
        assertEquals(0, never.refCnt());
        assertFalse(notSent.isSuccess() || !notSent.isDone(), "its promise failed, so its cost is given back");
        assertNull(next(open));
        assertFalse(open.finish());
    }
}
