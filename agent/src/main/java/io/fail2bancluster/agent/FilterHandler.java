package io.fail2bancluster.agent;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Lets through only messages on a channel configured for this server whose every filter entry accepts
 * them, as a {@link Delivery}. A message is parsed once, here. A message without {@code =} is a key
 * with no value, so it fails any filter instead of bypassing it (as the original did). On a
 * {@code skip_own} channel a message whose {@code source} is this host stops here too. Everything
 * else that reaches this handler stops here. A reload's {@link ChannelRoutes} event replaces the routes
 * for the next message.
 */
final class FilterHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(FilterHandler.class);

    private final String address;
    /** Replaced by a reload's {@link ChannelRoutes} event. */
    private Map<String, Route> routes;
    private final ServerState state;
    private final Rejections ignoredIps;
    private final Rejections dashed;

    FilterHandler(String address, Map<String, Route> routes, ServerState state) {
        this.address = address;
        this.routes = Map.copyOf(routes);
        this.state = state;
        this.ignoredIps = new Rejections(state, Counter.FILTERED_OUT);
        this.dashed = new Rejections(state, Counter.REJECTED);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelRoutes next) {
            routes = next.routes();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ServerLine.ChannelMessage line)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Route route = routes.get(line.channel());
        if (route == null) {
            state.increment(Counter.FILTERED_OUT);
            LOG.debug("{}: filtered out a message on channel {} (not configured for this server)",
                    address, Wire.quote(line.channel()));
            return;
        }
        Message message = Message.parse(line.message());
        FilterEntry refusal = route.firstRefusal(message);
        if (refusal != null) {
            state.increment(Counter.FILTERED_OUT);
            if (LOG.isDebugEnabled()) {
                String value = message.get(refusal.key());
                LOG.debug("{} {}: filtered out {} ({}: {} is {})", address, line.channel(), Wire.quote(message.raw()),
                        refusal.path(), refusal.key(), value == null ? "missing" : Wire.quote(value));
            }
            return;
        }
        if (route.isOwn(message)) {
            state.increment(Counter.FILTERED_OUT);
            LOG.debug("{} {}: filtered out {} (published by this host, skip_own)", address, line.channel(),
                    Wire.quote(message.raw()));
            return;
        }
        AddressRange ignored = route.ignored(message);
        if (ignored != null) {
            long count = ignoredIps.record(ctx.executor().ticker().nanoTime());
            if (count > 0) {
                LOG.info("{} {}: not acting on {}: ip is inside ignore_ip {} ({} such message(s) since the last report)",
                        address, line.channel(), Wire.quote(message.raw()), ignored, count);
            }
            return;
        }
        String dashedKey = route.dashedKey(message);
        if (dashedKey != null) {
            long count = dashed.record(ctx.executor().ticker().nanoTime());
            if (count > 0) {
                LOG.warn("{} {}: rejected {}: the value of {} starts with '-' and would reach the action as an "
                        + "option; only a filter pattern on that key can allow it ({} such message(s) since the last "
                        + "warning)", address, line.channel(), Wire.quote(message.raw()), dashedKey, count);
            }
            return;
        }
        ctx.fireChannelRead(new Delivery(route, message));
    }
}
