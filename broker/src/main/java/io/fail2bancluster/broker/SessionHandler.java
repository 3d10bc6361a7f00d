package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client's session: greets it, keeps it in {@code all}, carries out its requests against the
 * shared {@link ChannelRegistry}, and forgets its subscriptions when it goes away.
 *
 * <p>Writes are not flushed one by one: every client touched while handling one read batch (the
 * subscribers of its announces, or this client for {@code ping}/{@code info}) is flushed once in
 * {@link #channelReadComplete}, so a burst of announces costs each subscriber one syscall, not one
 * per line. Subscribers on other event loops get theirs through {@link ForeignDeliveries}: one task per
 * loop per read batch, which writes in order and flushes each subscriber once.
 *
 * <p>State here (subscriptions, clients to flush) is confined to this client's event loop.
 */
final class SessionHandler extends SimpleChannelInboundHandler<Request> {
    private static final Logger LOG = LogManager.getLogger(SessionHandler.class);
    private static final AsciiString ALL = AsciiString.of(Wire.ALL_CHANNEL);
    private static final ByteBuf GREETING = constant(Wire.GREETING + "\n");

    private final ChannelRegistry registry;
    private final BrokerMetrics metrics;
    private final Set<AsciiString> subscriptions = new HashSet<>();
    private final Set<Channel> toFlush = new LinkedHashSet<>();
    private final ForeignDeliveries foreign = new ForeignDeliveries();

    SessionHandler(ChannelRegistry registry, BrokerMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Greeting first, then `all`: an announce from another loop reaches this channel as a task
        // queued behind this method, so it can never overtake the greeting.
        ctx.writeAndFlush(GREETING.duplicate(), ctx.voidPromise());
        subscribe(ctx.channel(), ALL);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (AsciiString channel : subscriptions) {
            registry.unsubscribe(channel, ctx.channel());
            metrics.unsubscribed();
        }
        subscriptions.clear();
        toFlush.clear();
        // announces read before the close were accepted: they still go out
        foreign.dispatch();
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Request request) {
        if (request instanceof Request.Announce announce) {
            announce(ctx.alloc(), announce);
        } else if (request instanceof Request.Subscribe subscribe) {
            subscribe(ctx.channel(), subscribe.channel());
        } else if (request instanceof Request.Unsubscribe unsubscribe) {
            unsubscribe(ctx.channel(), unsubscribe.channel());
        } else if (request == Request.Ping.INSTANCE) {
            metrics.pinged();
            reply(ctx, System.currentTimeMillis() / 1000 + "\n");
        } else if (request == Request.Info.INSTANCE) {
            reply(ctx, metrics.snapshot().infoReply());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (Channel channel : toFlush) {
            channel.flush();
        }
        toFlush.clear();
        foreign.dispatch();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        foreign.discard();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ClosedChannelException || cause instanceof IOException) {
            // a peer that resets or vanishes is normal life for a server
            LOG.debug("{}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("{}: closing after unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private void subscribe(Channel self, AsciiString channel) {
        if (subscriptions.add(channel)) {
            registry.subscribe(channel, self);
            metrics.subscribed();
        }
    }

    private void unsubscribe(Channel self, AsciiString channel) {
        if (subscriptions.remove(channel)) {
            registry.unsubscribe(channel, self);
            metrics.unsubscribed();
        }
    }

    /**
     * Builds {@code <channel>!<message>\n} once, in a buffer of exactly its size, and gives each
     * subscriber a retained duplicate. Copying instead of slicing the input keeps a slow subscriber
     * from pinning the whole read buffer the line came in, so its outbound bound counts real memory.
     */
    private void announce(ByteBufAllocator alloc, Request.Announce announce) {
        Set<Channel> subscribers = registry.subscribersOf(announce.channel());
        if (subscribers.isEmpty()) {
            return;
        }
        ByteBuf line = deliveryLine(alloc, announce.channel(), announce.message());
        try {
            int delivered = 0;
            for (Channel subscriber : subscribers) {
                if (subscriber.eventLoop().inEventLoop()) {
                    subscriber.write(line.retainedDuplicate(), subscriber.voidPromise());
                    toFlush.add(subscriber);
                } else {
                    foreign.add(subscriber, line.retainedDuplicate());
                }
                delivered++;
            }
            if (delivered > 0) {
                metrics.announced(delivered);
            }
        } finally {
            line.release();
        }
    }

    static ByteBuf deliveryLine(ByteBufAllocator alloc, AsciiString channel, ByteBuf message) {
        int length = channel.length() + 1 + message.readableBytes() + 1;
        ByteBuf line = alloc.buffer(length, length);
        line.writeBytes(channel.array(), channel.arrayOffset(), channel.length())
                .writeByte('!')
                .writeBytes(message, message.readerIndex(), message.readableBytes())
                .writeByte('\n');
        return line;
    }

    private void reply(ChannelHandlerContext ctx, String text) {
        ctx.write(ByteBufUtil.writeAscii(ctx.alloc(), text), ctx.voidPromise());
        toFlush.add(ctx.channel());
    }

    private static ByteBuf constant(String text) {
        return Unpooled.unreleasableBuffer(
                Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII).asReadOnly());
    }
}
