package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.FatalErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The fanout session on one connection: subscribes to the server's channels as soon as the connection
 * is up (every connect, so a restarted server gets them again), writes the greeting and every line's time
 * into the server's {@link ServerState}, closes on {@code debug!busy} (never greeted, so the link counts a
 * failed attempt and its backoff keeps growing), and consumes the server's own lines (debug, ping replies,
 * info, unknown).
 * Only {@code <channel>!<message>} lines go on towards the filter. A reload's {@link Resubscribe} event
 * changes the subscriptions of the live connection: the removed channels are unsubscribed, the added
 * ones subscribed, the others left alone. The channels themselves are the link's: the session asks for them
 * when the connection is up and keeps no copy.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(SessionHandler.class);

    private final String address;
    /** The link's channels now: subscribed on every connect. */
    private final Supplier<List<String>> channels;
    /** Where the greeting and every line are reported, for {@code status}. */
    private final ServerState state;
    private final String processName;
    private final Duration greetingTimeout;
    private ScheduledFuture<?> greetingDeadline;

    /**
     * @param greetingTimeout a server that has not greeted us by then is not a fanout server we can use
     *                        (a port that answers pings or echoes but never says {@code debug!connected...})
     * @param processName     how a fatal error on this connection names the process that ends
     */
    SessionHandler(String address, Supplier<List<String>> channels, ServerState state, Duration greetingTimeout,
                   String processName) {
        this.address = address;
        this.channels = channels;
        this.state = state;
        this.greetingTimeout = greetingTimeout;
        this.processName = processName;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Sent before the greeting arrives: fanout reads commands from the moment it accepts, and this
        // saves a round trip after every reconnect, which is when bans are being missed.
        for (String channel : channels.get()) {
            ctx.write(new Command.Subscribe(channel));
        }
        ctx.flush();
        greetingDeadline = ctx.executor().schedule(() -> {
            LOG.warn("{}: no greeting (debug!connected...) within {} ms; closing", address, greetingTimeout.toMillis());
            ctx.close();
        }, greetingTimeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Resubscribe change) {
            resubscribe(ctx, change);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void resubscribe(ChannelHandlerContext ctx, Resubscribe change) {
        List<String> removed = change.removed();
        List<String> added = change.added();
        if (!ctx.channel().isActive() || change.isEmpty()) {
            return; // not connected yet: channelActive subscribes to the new list
        }
        for (String channel : removed) {
            ctx.write(new Command.Unsubscribe(channel));
        }
        for (String channel : added) {
            ctx.write(new Command.Subscribe(channel));
        }
        ctx.flush();
        if (removed.isEmpty()) {
            LOG.info("{}: reload: subscribed to {}", address, added);
        } else if (added.isEmpty()) {
            LOG.info("{}: reload: unsubscribed from {}", address, removed);
        } else {
            LOG.info("{}: reload: subscribed to {}, unsubscribed from {}", address, added, removed);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelGreetingDeadline();
        ctx.fireChannelInactive();
    }

    private void cancelGreetingDeadline() {
        if (greetingDeadline != null) {
            greetingDeadline.cancel(false);
            greetingDeadline = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        state.lineReceived(ctx.executor().ticker().nanoTime());
        if (msg instanceof ServerLine.ChannelMessage) {
            ctx.fireChannelRead(msg);
        } else if (msg instanceof ServerLine.DebugLine debug) {
            onDebug(ctx, debug);
        } else if (msg instanceof ServerLine.PingReply) {
            LOG.trace("{}: ping reply", address);
        } else if (msg instanceof ServerLine.InfoLine info) {
            LOG.debug("{}: info {}: {}", address, info.key(), info.value());
        } else if (msg instanceof ServerLine.UnknownLine unknown) {
            LOG.debug("{}: ignoring unexpected line {}", address, Wire.quote(unknown.text()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onDebug(ChannelHandlerContext ctx, ServerLine.DebugLine debug) {
        if (debug.isGreeting()) {
            cancelGreetingDeadline();
            state.greeted(ctx.executor().ticker().nanoTime());
            LOG.info("{}: connected", address);
        } else if (debug.isBusy()) {
            LOG.warn("{}: server is full (debug!busy); will retry", address);
            ctx.close();
        } else {
            LOG.debug("{}: debug!{}", address, debug.text());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (FatalErrors.exitIfFatal(processName, cause)) {
            // an OutOfMemoryError or the like: the process ends, systemd starts a whole one
            return;
        }
        // Resets and the like are part of life on a network; the reconnect log line says what happens next.
        LOG.info("{}: connection error: {}", address, cause.toString());
        LOG.debug("{}: connection error", address, cause);
        ctx.close();
    }
}
