package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * The whole pipeline of a connection past the client limit: answer {@code debug!busy} and close,
 * as fanout does. The channel never reads (auto-read is off), so nothing it sends is acted on.
 */
@Sharable
final class BusyResponder extends ChannelInboundHandlerAdapter {
    static final BusyResponder INSTANCE = new BusyResponder();
    private static final ByteBuf BUSY = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(Wire.BUSY + "\n", StandardCharsets.US_ASCII).asReadOnly());

    private BusyResponder() {
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(BUSY.duplicate()).addListener(ChannelFutureListener.CLOSE);
    }
}
