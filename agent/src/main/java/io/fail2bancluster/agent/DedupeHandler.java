package io.fail2bancluster.agent;

import io.fail2bancluster.protocol.Wire;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Stops the copies of one publish that redundant servers deliver, using the agent-wide
 * {@link Deduplicator} (shared by every server's pipeline, which is safe because they all run on
 * one event loop).
 */
final class DedupeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(DedupeHandler.class);

    private final int serverIndex;
    private final Deduplicator deduplicator;
    private final ServerState state;

    DedupeHandler(int serverIndex, Deduplicator deduplicator, ServerState state) {
        this.serverIndex = serverIndex;
        this.deduplicator = deduplicator;
        this.state = state;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Delivery delivery)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        String channel = delivery.route().channel();
        String raw = delivery.message().raw();
        if (deduplicator.admit(serverIndex, channel, raw, ctx.executor().ticker().nanoTime())) {
            ctx.fireChannelRead(delivery);
        } else {
            state.increment(Counter.DEDUPLICATED);
            LOG.debug("{} {}: {} already delivered by another server", state.address(), channel, Wire.quote(raw));
        }
    }
}
