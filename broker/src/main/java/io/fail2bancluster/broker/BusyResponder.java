package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The pipeline of a connection past the client limit, behind the server-line encoder: answer
 * {@code debug!busy} and close, as fanout does. The channel never reads (auto-read is off), so nothing it
 * sends is acted on.
 */
@Sharable
final class BusyResponder extends ChannelInboundHandlerAdapter {
    static final BusyResponder INSTANCE = new BusyResponder();

    private BusyResponder() {
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(ServerLine.DebugLine.BUSY).addListener(ChannelFutureListener.CLOSE);
    }
}
