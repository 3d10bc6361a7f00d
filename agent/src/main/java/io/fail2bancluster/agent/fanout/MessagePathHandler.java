package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Where fanout's pipeline hands a {@code <channel>!<message>} line to its server's {@link MessagePath};
 * the session in front has consumed every other kind of line, and anything else that gets here stops.
 */
final class MessagePathHandler extends ChannelInboundHandlerAdapter {
    private final MessagePath path;

    MessagePathHandler(MessagePath path) {
        this.path = path;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ServerLine.ChannelMessage line) {
            path.accept(line.channel(), line.message());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }
}
