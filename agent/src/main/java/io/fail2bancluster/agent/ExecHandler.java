package io.fail2bancluster.agent;

import io.fail2bancluster.config.ActionTemplate.Rendered;
import io.fail2bancluster.protocol.LogThrottle;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.Charset;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Renders a delivery's action into argv and hands it to the {@link ActionRunner}; never waits for it.
 * The outcome comes back onto this channel's event loop, where the {@link ExecReporter} counts and logs
 * it, so counters stay confined to the loop. A message that lacks a placeholder the action needs is
 * rejected, not run with a hole in its command line.
 */
final class ExecHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ExecHandler.class);

    private final ServerState state;
    private final ActionRunner runner;
    private final ExecReporter reporter;
    private final LogThrottle rejections = new LogThrottle(TimeUnit.SECONDS.toNanos(10));

    private final List<Charset> charsets;

    ExecHandler(ServerState state, ActionRunner runner, ExecReporter reporter) {
        this(state, runner, reporter, ArgvCharset.PLATFORM);
    }

    /** @param charsets what argv must be encodable in to reach the process unchanged */
    ExecHandler(ServerState state, ActionRunner runner, ExecReporter reporter, List<Charset> charsets) {
        this.state = state;
        this.runner = runner;
        this.reporter = reporter;
        this.charsets = List.copyOf(charsets);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Delivery delivery)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Route route = delivery.route();
        Rendered rendered = route.action().render(route.channel(), delivery.message());
        if (rendered instanceof Rendered.Missing missing) {
            state.increment(Counter.REJECTED);
            long count = rejections.record(ctx.executor().ticker().nanoTime());
            if (count > 0) {
                LOG.warn("{} {}: not running \"{}\" for {}: the message has no {} ({} such message(s) since the last warning)",
                        state.address(), route.channel(), route.label(), Wire.quote(delivery.message().raw()),
                        missing.key(), count);
            }
            return;
        }
        List<String> argv = ((Rendered.Argv) rendered).argv();
        String mangled = ArgvCharset.unencodable(argv, charsets);
        if (mangled != null) {
            state.increment(Counter.REJECTED);
            long count = rejections.record(ctx.executor().ticker().nanoTime());
            if (count > 0) {
                LOG.warn("{} {}: not running \"{}\" for {}: {} ({} such message(s) since the last warning)",
                        state.address(), route.channel(), route.label(), Wire.quote(delivery.message().raw()),
                        mangled, count);
            }
            return;
        }
        Invocation invocation = new Invocation(argv, state.address(), route.channel(), delivery.message().raw(),
                route.batch());
        EventLoop loop = ctx.channel().eventLoop();
        runner.run(invocation, result -> reportOn(loop, invocation, result));
    }

    private void reportOn(EventLoop loop, Invocation invocation, ActionResult result) {
        // Always through the queue, even when the runner answers on the loop itself (a drop): the
        // outcome is then reported after the current read, never in the middle of it.
        try {
            loop.execute(() -> reporter.report(state, invocation, result));
        } catch (RejectedExecutionException loopGone) {
            LOG.info("{} {}: {} finished after shutdown: {}", invocation.server(), invocation.channel(),
                    ExecReporter.describe(invocation.argv()), result);
        }
    }
}
