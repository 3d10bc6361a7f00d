package io.fail2bancluster.agent;

import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The fanout session on one connection: subscribes to the server's channels as soon as the connection
 * is up (every connect, so a restarted server gets them again), tells the connection about the greeting
 * and about {@code debug!busy}, and consumes the server's own lines (debug, ping replies, info, unknown).
 * Only {@code <channel>!<message>} lines go on towards the filter.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(SessionHandler.class);

    /** What the connection that owns this session wants to hear. Called on the event loop. */
    interface Listener {
        void greeted(long nowNanos);

        void busy();

        void lineReceived(long nowNanos);
    }

    private final String address;
    private final List<Command.Subscribe> subscriptions;
    private final Listener listener;

    SessionHandler(String address, List<String> channels, Listener listener) {
        this.address = address;
        this.subscriptions = channels.stream().map(Command.Subscribe::new).toList();
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Sent before the greeting arrives: fanout reads commands from the moment it accepts, and this
        // saves a round trip after every reconnect, which is when bans are being missed.
        for (Command.Subscribe subscribe : subscriptions) {
            ctx.write(subscribe);
        }
        ctx.flush();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        listener.lineReceived(ctx.executor().ticker().nanoTime());
        if (msg instanceof ServerLine.ChannelMessage) {
            ctx.fireChannelRead(msg);
        } else if (msg instanceof ServerLine.DebugLine debug) {
            onDebug(ctx, debug);
        } else if (msg instanceof ServerLine.PingReply) {
            LOG.trace("{}: ping reply", address);
        } else if (msg instanceof ServerLine.InfoLine info) {
            LOG.debug("{}: info {}: {}", address, info.key(), info.value());
        } else if (msg instanceof ServerLine.UnknownLine unknown) {
            LOG.debug("{}: ignoring unexpected line {}", address, io.fail2bancluster.protocol.Wire.quote(unknown.text()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onDebug(ChannelHandlerContext ctx, ServerLine.DebugLine debug) {
        if (debug.isGreeting()) {
            listener.greeted(ctx.executor().ticker().nanoTime());
        } else if (debug.isBusy()) {
            LOG.warn("{}: server is full (debug!busy); will retry", address);
            listener.busy();
            ctx.close();
        } else {
            LOG.debug("{}: debug!{}", address, debug.text());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and the like are part of life on a network; the reconnect log line says what happens next.
        LOG.info("{}: connection error: {}", address, cause.toString());
        LOG.debug("{}: connection error", address, cause);
        ctx.close();
    }
}
