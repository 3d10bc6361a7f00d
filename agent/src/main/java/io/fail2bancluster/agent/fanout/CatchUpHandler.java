package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.catchup.LinkCatchUp;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Where a fanout connection tells its link's {@link LinkCatchUp} what catch-up needs of it: the greeting
 * (then it asks the fleet for what it missed), every line (the channels are held until then), a reload's
 * added channels, and the close. Sits before the session, so it sees every line; passes everything on first.
 */
final class CatchUpHandler extends ChannelInboundHandlerAdapter {
    private final LinkCatchUp catchUp;

    CatchUpHandler(LinkCatchUp catchUp) {
        this.catchUp = catchUp;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean greeting = msg instanceof ServerLine.DebugLine debug && debug.isGreeting();
        catchUp.lineSeen();
        ctx.fireChannelRead(msg);
        if (greeting) {
            catchUp.connected(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof Resubscribe change) {
            catchUp.subscribed(change.added());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        catchUp.disconnected();
        ctx.fireChannelInactive();
    }
}
