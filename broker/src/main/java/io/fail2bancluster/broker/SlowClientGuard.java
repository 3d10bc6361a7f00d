package io.fail2bancluster.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * NATS's slow-consumer rule. A client is behind while its pending output is above the channel's write
 * buffer high-water mark ({@link BrokerInitializer} sets it); while any client is behind, the
 * {@link DeliveryBudget} holds the announcers back, so the broker delivers at its subscribers' pace, as
 * fanout's blocking writes do. A client that stays behind for longer than the write deadline (it stopped
 * reading, or reads far slower than the others) is closed: one stuck host must not hold the fleet's bans
 * back. Closing frees its queue at once; it can reconnect when it reads again.
 *
 * <p>State is confined to the client's event loop; the deadline is a task scheduled on it.
 */
final class SlowClientGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(SlowClientGuard.class);

    private final long deadlineNanos;
    private final DeliveryBudget budget;
    private final BrokerMetrics metrics;
    private ScheduledFuture<?> deadline;

    SlowClientGuard(Duration writeDeadline, DeliveryBudget budget, BrokerMetrics metrics) {
        this.deadlineNanos = writeDeadline.toNanos();
        this.budget = budget;
        this.metrics = metrics;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        if (!writable && deadline == null && ctx.channel().isActive()) {
            budget.subscriberBehind();
            deadline = ctx.executor().schedule(() -> deadlinePassed(ctx), deadlineNanos, TimeUnit.NANOSECONDS);
        } else if (writable && deadline != null) {
            caughtUp();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadline != null) {
            caughtUp();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            caughtUp();
        }
    }

    private void caughtUp() {
        deadline.cancel(false);
        deadline = null;
        budget.subscriberCaughtUp();
    }

    private void deadlinePassed(ChannelHandlerContext ctx) {
        if (deadline == null || !ctx.channel().isActive()) {
            return;
        }
        LOG.warn("{}: closing a slow consumer: its output has been more than {} bytes behind for {} ms",
                ctx.channel().remoteAddress(), ctx.channel().config().getWriteBufferHighWaterMark(),
                TimeUnit.NANOSECONDS.toMillis(deadlineNanos));
        metrics.slowClientClosed();
        ctx.close();
    }
}
