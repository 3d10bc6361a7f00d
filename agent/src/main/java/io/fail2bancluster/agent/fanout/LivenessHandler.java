package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.protocol.Command;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps a connection honest. We write {@code ping} whenever we have written nothing for
 * {@code pingInterval}; fanout answers every ping, so a live server is never silent for long. When
 * nothing at all arrives for {@code pingTimeout} the server is dead, hung or half-open (a peer that
 * vanished without a FIN never shows up as a close), and the connection is closed so the reconnect
 * logic takes over. Shaped like Netty's {@code ReadTimeoutHandler}: an {@link IdleStateHandler}
 * that acts on its own events instead of passing them on.
 *
 * <p>While back-pressure has stopped the reads ({@link MessagePathHandler}), silence is ours, not the
 * server's: the ping's answer waits unread in the socket. The connection is then kept, and judged again once
 * reading goes on (the answers to the pings written meanwhile arrive at once from a live server).
 */
final class LivenessHandler extends IdleStateHandler {
    private static final Logger LOG = LogManager.getLogger(LivenessHandler.class);

    private final String address;
    private final Duration pingTimeout;

    LivenessHandler(String address, Duration pingInterval, Duration pingTimeout) {
        super(false, pingTimeout.toNanos(), pingInterval.toNanos(), 0, TimeUnit.NANOSECONDS);
        this.address = address;
        this.pingTimeout = pingTimeout;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
        if (event.state() == IdleState.WRITER_IDLE) {
            ctx.writeAndFlush(Command.Ping.INSTANCE).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        } else if (event.state() == IdleState.READER_IDLE && MessagePathHandler.readsPaused(ctx.channel())) {
            LOG.debug("{}: nothing read for {} s while reads are paused by back-pressure; keeping the connection",
                    address, pingTimeout.toMillis() / 1000.0);
        } else if (event.state() == IdleState.READER_IDLE) {
            LOG.warn("{}: nothing received for {} s (ping_timeout); closing the connection",
                    address, pingTimeout.toMillis() / 1000.0);
            ctx.close();
        }
    }
}
