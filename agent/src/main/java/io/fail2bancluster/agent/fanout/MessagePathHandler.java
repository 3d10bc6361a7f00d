package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.path.BackPressure;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Where fanout's pipeline hands a {@code <channel>!<message>} line to its server's {@link MessagePath};
 * the session in front has consumed every other kind of line, and anything else that gets here stops.
 *
 * <p>Back-pressure: while the exec queue is full, the connection stops reading ({@code autoRead} off) and the
 * lines already decoded from the read in progress are held in order ({@link BackPressure}); once the queue has
 * drained to half they go on first, and reading starts again. The server holds the rest, and TCP its sender.
 */
final class MessagePathHandler extends ChannelInboundHandlerAdapter {
    private final MessagePath path;
    private BackPressure backPressure;

    MessagePathHandler(MessagePath path) {
        this.path = path;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        backPressure = path.backPressure(new AutoRead(ctx.channel()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ServerLine.ChannelMessage line) {
            String channel = line.channel();
            String message = line.message();
            backPressure.offer(() -> path.accept(channel, message));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Reading paused by back-pressure: {@link LivenessHandler} does not take the silence for a dead server. */
    static boolean readsPaused(Channel channel) {
        return !channel.config().isAutoRead();
    }

    /** Stops and starts a connection's reads: Netty's read loop ends after the buffer in hand. */
    private record AutoRead(Channel channel) implements BackPressure.Reads {
        @Override
        public void pause() {
            channel.config().setAutoRead(false);
        }

        @Override
        public void resume() {
            channel.config().setAutoRead(true); // and reads at once; harmless on a closed connection
        }
    }
}
