package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ActionTemplate.Rendered;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.EventLoop;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The message path's last step: renders the route's action for the message into argv and hands it to
 * the {@link ActionRunner}; never waits for it. The outcome comes back onto the agent's event loop, where
 * the {@link ExecReporter} counts and logs it, so counters stay confined to the loop. A message that lacks
 * a placeholder the action needs, or whose argv the platform cannot carry, is rejected, not run with a
 * hole in its command line. One per server.
 */
final class ActionDispatcher {
    private static final Logger LOG = LogManager.getLogger(ActionDispatcher.class);

    private final ServerState state;
    private final EventLoop loop;
    private final ActionRunner runner;
    private final ExecReporter reporter;
    private final Rejections rejections;
    private final List<Charset> charsets;
    /** The step of {@code enforce: nftables} routes; null when the agent has no table. */
    private final KernelDispatch kernel;

    /**
     * @param loop     the agent's event loop, where outcomes are reported
     * @param charsets what argv must be encodable in to reach the process unchanged ({@link ArgvCharset#PLATFORM})
     */
    ActionDispatcher(ServerState state, EventLoop loop, ActionRunner runner, ExecReporter reporter,
                     List<Charset> charsets, KernelDispatch kernel) {
        this.state = state;
        this.loop = loop;
        this.runner = runner;
        this.reporter = reporter;
        this.charsets = List.copyOf(charsets);
        this.rejections = new Rejections(state, Counter.REJECTED);
        this.kernel = kernel;
    }

    /** @param settled run on the loop after the outcome is reported, or at once when nothing will run */
    void dispatch(Route route, Message message, long nowNanos, Runnable settled) {
        dispatch(route, message, null, nowNanos, settled, null);
    }

    /**
     * @param entered when the message entered the bus (a stream's storage time), null: now; what a kernel ban's
     *                {@code bantime} counts from
     * @param settled run on the loop after the outcome is reported, or at once when nothing will run
     * @param outcome told the outcome on the loop, before {@code settled}, when the action ran; may be null
     */
    void dispatch(Route route, Message message, Instant entered, long nowNanos, Runnable settled,
                  Consumer<ActionResult> outcome) {
        if (route.enforced() != null) {
            // the one place a message goes to the kernel instead of an action: everything before it is shared
            if (kernel == null) {
                throw new IllegalStateException(route.channel() + " has enforce: nftables but the agent has no table");
            }
            kernel.dispatch(route, message, entered, nowNanos, settled, outcome);
            return;
        }
        Rendered rendered = route.action().render(route.channel(), message);
        if (rendered instanceof Rendered.Missing missing) {
            long count = rejections.record(nowNanos);
            if (count > 0) {
                LOG.warn("{} {}: not running \"{}\" for {}: the message has no {} ({} such message(s) since the last warning)",
                        state.address(), route.channel(), route.label(), Wire.quote(message.raw()),
                        missing.key(), count);
            }
            settled.run();
            return;
        }
        List<String> argv = ((Rendered.Argv) rendered).argv();
        String mangled = ArgvCharset.unencodable(argv, charsets);
        if (mangled != null) {
            long count = rejections.record(nowNanos);
            if (count > 0) {
                LOG.warn("{} {}: not running \"{}\" for {}: {} ({} such message(s) since the last warning)",
                        state.address(), route.channel(), route.label(), Wire.quote(message.raw()),
                        mangled, count);
            }
            settled.run();
            return;
        }
        Invocation invocation = new Invocation(argv, state.address(), route.channel(), message.raw(), route.batch());
        runner.run(invocation, result -> reportOnLoop(invocation, result, settled, outcome));
    }

    private void reportOnLoop(Invocation invocation, ActionResult result, Runnable settled,
                              Consumer<ActionResult> outcome) {
        // Always through the queue, even when the runner answers on the loop itself (a drop): the
        // outcome is then reported after the current message, never in the middle of it.
        try {
            loop.execute(() -> {
                reporter.report(state, invocation, result);
                if (outcome != null) {
                    outcome.accept(result);
                }
                if (!(result instanceof ActionResult.Dropped dropped && dropped.byShutdown())) {
                    settled.run();
                }
            });
        } catch (RejectedExecutionException loopGone) {
            LOG.info("{} {}: {} finished after shutdown: {}", invocation.server(), invocation.channel(),
                    ExecReporter.describe(invocation.argv()), result);
        }
    }
}
