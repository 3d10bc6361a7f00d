package io.fail2bancluster.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Closes a client that lets its output pile up. The channel's write buffer high-water mark is the
 * bound ({@link BrokerInitializer} sets it); Netty counts bytes queued for the socket and writes still
 * travelling from other event loops, and turns the channel unwritable once they pass the mark. A
 * subscriber that stopped reading would otherwise hold every announce in memory until the broker
 * ran out of it; closing it frees its queue at once. It can reconnect when it reads again.
 */
final class SlowClientGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(SlowClientGuard.class);

    private final int boundBytes;
    private final BrokerMetrics metrics;

    SlowClientGuard(int boundBytes, BrokerMetrics metrics) {
        this.boundBytes = boundBytes;
        this.metrics = metrics;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable() && ctx.channel().isActive()) {
            LOG.warn("{}: closing, more than {} bytes wait to be sent to it (it is not reading)",
                    ctx.channel().remoteAddress(), boundBytes);
            metrics.slowClientClosed();
            ctx.close();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
