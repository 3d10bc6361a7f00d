package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.ChannelName;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.FatalErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client's session: greets it, keeps it in {@code all}, carries out its requests against the
 * shared {@link ChannelRegistry}, and forgets its subscriptions when it goes away.
 *
 * <p>Writes are not made one by one: consecutive announces to one channel in a read batch go out as one
 * {@link DeliveryBatch}, one shared buffer of which each subscriber gets a duplicate, and every client
 * touched while handling the read batch (the subscribers of its announces, or this client for
 * {@code ping}/{@code info}) is flushed once in {@link #channelReadComplete}: a burst of announces costs each
 * subscriber one queue entry and one syscall, not one per line. Subscribers on other event loops get theirs
 * through {@link ForeignDeliveries}: one task per loop per read batch, which writes in order and flushes
 * each subscriber once.
 *
 * <p>After each read batch with an announce the announcer is paused while the {@link DeliveryBudget} is
 * exhausted, so what a publisher sends waits in its own socket, not in the broker's memory. A client that only
 * pings, subscribes or asks for info is read on.
 *
 * <p>State here (subscriptions, clients to flush) is confined to this client's event loop.
 */
final class SessionHandler extends SimpleChannelInboundHandler<Command> {
    private static final Logger LOG = LogManager.getLogger(SessionHandler.class);
    private static final ChannelName ALL = ChannelName.of(Wire.ALL_CHANNEL);

    private final ChannelRegistry registry;
    private final BrokerMetrics metrics;
    private final DeliveryBudget budget;
    private final Set<ChannelName> subscriptions = new HashSet<>();
    private final Set<Channel> toFlush = new LinkedHashSet<>();
    private final ForeignDeliveries foreign = new ForeignDeliveries();
    /** The announces read so far to one channel, not yet handed to its subscribers. */
    private DeliveryBatch open;
    /** Whether this read batch had an announce for someone: only announcers are held back, not pings. */
    private boolean announcedInBatch;

    SessionHandler(ChannelRegistry registry, BrokerMetrics metrics, DeliveryBudget budget) {
        this.registry = registry;
        this.metrics = metrics;
        this.budget = budget;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Greeting first, then `all`: an announce from another loop reaches this channel as a task
        // queued behind this method, so it can never overtake the greeting.
        ctx.writeAndFlush(ServerLine.DebugLine.GREETING, ctx.voidPromise());
        subscribe(ctx.channel(), ALL);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (ChannelName channel : subscriptions) {
            registry.unsubscribe(channel, ctx.channel());
            metrics.unsubscribed();
        }
        subscriptions.clear();
        // announces read before the close were accepted: they still go out
        deliver();
        flushTouched();
        foreign.dispatch();
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Command command) {
        if (command instanceof Command.Announce announce) {
            announce(ctx.alloc(), announce);
            return;
        }
        // anything else ends a run of announces: what was announced goes out before it is answered
        deliver();
        if (command instanceof Command.Subscribe subscribe) {
            subscribe(ctx.channel(), subscribe.channel());
        } else if (command instanceof Command.Unsubscribe unsubscribe) {
            unsubscribe(ctx.channel(), unsubscribe.channel());
        } else if (command instanceof Command.Ping) {
            metrics.pinged();
            reply(ctx, new ServerLine.PingReply(System.currentTimeMillis() / 1000));
        } else if (command instanceof Command.Info) {
            for (ServerLine.InfoLine line : metrics.snapshot().infoLines()) {
                reply(ctx, line);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        deliver();
        flushTouched();
        foreign.dispatch();
        if (announcedInBatch) {
            announcedInBatch = false;
            budget.pauseIfExhausted(ctx.channel());
        }
        ctx.fireChannelReadComplete();
    }

    private void flushTouched() {
        for (Channel channel : toFlush) {
            channel.flush();
        }
        toFlush.clear();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (open != null) {
            open.release();
            open = null;
        }
        foreign.discard();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (FatalErrors.exitIfFatal(BrokerMain.NAME, cause)) {
            // an OutOfMemoryError or the like: the process ends, systemd starts a whole one
            return;
        }
        if (cause instanceof ClosedChannelException || cause instanceof IOException) {
            // a peer that resets or vanishes is normal life for a server
            LOG.debug("{}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("{}: closing after unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private void subscribe(Channel self, ChannelName channel) {
        if (subscriptions.add(channel)) {
            registry.subscribe(channel, self);
            metrics.subscribed();
        }
    }

    private void unsubscribe(Channel self, ChannelName channel) {
        if (subscriptions.remove(channel)) {
            registry.unsubscribe(channel, self);
            metrics.unsubscribed();
        }
    }

    /**
     * Adds the announce's line to the open batch, which goes out first when it is for another channel or
     * full. The line is copied, not sliced from the input, so a slow subscriber does not pin the whole read
     * buffer it came in and the budget counts real memory.
     */
    private void announce(ByteBufAllocator alloc, Command.Announce announce) {
        if (registry.subscribersOf(announce.channel()).isEmpty()) {
            return;
        }
        if (open != null && (!open.channel().equals(announce.channel()) || !open.fits(announce))) {
            deliver();
        }
        if (open == null) {
            open = new DeliveryBatch(alloc, announce.channel(), budget);
        }
        open.add(announce);
        announcedInBatch = true;
    }

    /** Hands the open batch to every subscriber of its channel, each a duplicate of its one buffer. */
    private void deliver() {
        DeliveryBatch batch = open;
        if (batch == null) {
            return;
        }
        open = null;
        batch.seal();
        try {
            int delivered = 0;
            for (Channel subscriber : registry.subscribersOf(batch.channel())) {
                ByteBuf share = batch.shareFor();
                ChannelPromise sent = subscriber.newPromise().addListener(batch);
                if (subscriber.eventLoop().inEventLoop()) {
                    subscriber.write(share, sent);
                    toFlush.add(subscriber);
                } else {
                    foreign.add(subscriber, share, sent);
                }
                delivered++;
            }
            if (delivered > 0) {
                metrics.announced(batch.lineCount(), delivered);
            }
        } finally {
            batch.release();
        }
    }

    private void reply(ChannelHandlerContext ctx, ServerLine line) {
        ctx.write(line, ctx.voidPromise());
        toFlush.add(ctx.channel());
    }
}
