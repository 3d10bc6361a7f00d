package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Delivers the outbox on one fanout connection: once the server greeted us, writes {@code announce} for
 * each entry its {@link FanoutDelivery} owes, up to a window, then a {@code ping}; fanout answers in order,
 * so the ping's answer confirms every announce written before it ({@link InFlight}). Sits between the
 * encoder and the liveness handler, so it sees every ping written on the connection (the liveness
 * handler's too) and every answer; it passes everything on.
 *
 * <p>One per connection; what a closed connection had not had confirmed is sent again on the next.
 */
public final class DeliveryHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LogManager.getLogger(DeliveryHandler.class);

    private final FanoutDelivery delivery;
    private final InFlight inFlight;
    private ChannelHandlerContext ctx;
    /** The last entry written on this connection. */
    private long cursor = Long.MIN_VALUE;
    private boolean greeted;

    DeliveryHandler(FanoutDelivery delivery, int window) {
        this.delivery = delivery;
        this.inFlight = new InFlight(window);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ServerLine.PingReply) {
            List<Long> confirmed = inFlight.answered();
            if (!confirmed.isEmpty()) {
                delivery.confirmed(confirmed);
            }
            pump();
        } else if (msg instanceof ServerLine.DebugLine debug && debug.isGreeting() && !greeted) {
            greeted = true;
            delivery.attach(this);
            pump();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Command.Ping) {
            inFlight.pinged(); // the liveness handler's: its answer comes in its turn
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        delivery.detach(this);
        ctx.fireChannelInactive();
    }

    /** Writes what the window has room for, then the ping that will confirm it. */
    void pump() {
        if (!greeted || !ctx.channel().isActive()) {
            return;
        }
        boolean wrote = false;
        List<Long> unsendable = new java.util.ArrayList<>();
        for (OutboxStore.Entry entry : delivery.owedAfter(cursor).values()) {
            if (!inFlight.hasRoom()) {
                break;
            }
            cursor = entry.sequence();
            Command.Announce announce;
            try {
                announce = new Command.Announce(entry.channel(), delivery.wire(entry));
            } catch (IllegalArgumentException e) {
                // only a damaged file can hold one (a publish is checked before it is kept): retrying cannot help
                LOG.error("outbox entry {} cannot be sent ({}): dropped: {} {}", entry.sequence(), e.getMessage(),
                        Wire.quote(entry.channel()), Wire.quote(entry.message()));
                unsendable.add(entry.sequence());
                continue;
            }
            ctx.write(announce, ctx.voidPromise());
            inFlight.announced(entry.sequence());
            wrote = true;
        }
        if (inFlight.needsPing()) {
            ctx.write(Command.Ping.INSTANCE, ctx.voidPromise());
            inFlight.pinged();
        }
        if (wrote) {
            ctx.flush();
        }
        if (!unsendable.isEmpty()) {
            delivery.confirmed(unsendable);
        }
    }
}
