package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.path.Rejections;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The last handler of a server's pipeline. An exception that a handler of the message path throws, and no
 * handler before this one handled, is a bug of ours in handling one message, not a broken connection:
 * it is counted as {@link Counter#ERRORS}, logged with its stack at most once per interval (with how
 * many happened since), and the connection stays up, so one odd message cannot cost every later ban.
 * Network errors (resets and the like) never get here: the session in front handles those by closing.
 * Without this handler Netty's tail would log each one at debug level only, uncounted.
 */
final class UnhandledErrorHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(UnhandledErrorHandler.class);

    private final ServerState state;
    private final Rejections errors;

    UnhandledErrorHandler(ServerState state) {
        this.state = state;
        this.errors = new Rejections(state, Counter.ERRORS);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        long count = errors.record(ctx.executor().ticker().nanoTime());
        if (count > 0) {
            LOG.error("{}: a handler failed on a message ({} such error(s) since the last report; the "
                    + "connection stays up)", state.address(), count, cause);
        }
    }
}
