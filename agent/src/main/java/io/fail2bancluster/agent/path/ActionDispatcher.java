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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The message path's last step: renders the route's action for the message into argv and hands it to
 * the {@link ActionRunner}; never waits for it. The outcome comes back onto the agent's event loop, where
 * the {@link ExecReporter} counts and logs it, so counters stay confined to the loop. An action that fails is
 * run again after a backoff, scheduled on the loop, until it succeeds or is given up ({@link ActionRetries}). A message that lacks
 * a placeholder the action needs, or whose argv the platform cannot carry, is rejected, not run with a
 * hole in its command line. One per server.
 */
final class ActionDispatcher {
    private static final Logger LOG = LogManager.getLogger(ActionDispatcher.class);
    /** Always due: retried until it succeeds or is superseded. */
    static final BooleanSupplier ALWAYS = () -> true;
    private static final String RETRIED = "; retried with backoff until it succeeds (docs/retries.md)";

    private final ServerState state;
    private final EventLoop loop;
    private final ActionRunner runner;
    private final ExecReporter reporter;
    private final Rejections rejections;
    private final List<Charset> charsets;
    private final ActionRetries retries;
    private final Clock clock;
    /** The step of {@code enforce: nftables} routes; null when the agent has no table. */
    private final KernelDispatch kernel;

    /**
     * @param loop     the agent's event loop, where outcomes are reported
     * @param charsets what argv must be encodable in to reach the process unchanged ({@link ArgvCharset#PLATFORM})
     */
    ActionDispatcher(ServerState state, EventLoop loop, ActionRunner runner, ExecReporter reporter,
                     List<Charset> charsets) {
        this(state, loop, runner, reporter, charsets, null, new ActionRetries(runner,
                io.fail2bancluster.config.ClusterConfig.DEFAULT_ACTION_RETRY_MAX), Clock.systemUTC());
    }

    /**
     * @param kernel  the step of {@code enforce: nftables} routes; null when the agent has no table
     * @param retries the agent's failing actions, shared by every server's dispatcher
     */
    ActionDispatcher(ServerState state, EventLoop loop, ActionRunner runner, ExecReporter reporter,
                     List<Charset> charsets, KernelDispatch kernel, ActionRetries retries, Clock clock) {
        this.kernel = kernel;
        this.retries = retries;
        this.clock = clock;
        this.state = state;
        this.loop = loop;
        this.runner = runner;
        this.reporter = reporter;
        this.charsets = List.copyOf(charsets);
        this.rejections = new Rejections(state, Counter.REJECTED);
    }

    /** @param settled run on the loop after the outcome is reported, or at once when nothing will run */
    void dispatch(Route route, Message message, long nowNanos, Runnable settled) {
        dispatch(route, message, null, nowNanos, settled, null, ALWAYS);
    }

    /**
     * Runs the route's action for {@code message}, and again with backoff while it fails (docs/retries.md).
     *
     * @param settled   run on the loop once the action succeeded or was given up (superseded, no longer due), or
     *                  at once when nothing will run; a failing one's {@code settled} that is also
     *                  {@link MessagePath.Retrying} is told {@code retrying()} at its first failure
     * @param succeeded told the result on the loop, before {@code settled}, when the action succeeded; may be null
     * @param due       asked before each retry: false gives the action up (the ban ended, or was unbanned)
     * @param entered   when the message entered the bus (a stream's storage time), null: now; what a kernel ban's
     *                  {@code bantime} counts from
     */
    void dispatch(Route route, Message message, Instant entered, long nowNanos, Runnable settled,
                  Consumer<ActionResult> succeeded, BooleanSupplier due) {
        if (route.enforced() != null) {
            // the one place a message goes to the kernel instead of an action: everything before it is shared
            // (a refused nftables batch is split and its bad element named by the writer, not retried here)
            if (kernel == null) {
                throw new IllegalStateException(route.channel() + " has enforce: nftables but the agent has no table");
            }
            kernel.dispatch(route, message, entered, nowNanos, settled, succeeded == null ? null : result -> {
                if (route.succeeded(result)) {
                    succeeded.accept(result);
                }
            });
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
        String ip = message.get(Route.IP);
        Invocation invocation = new Invocation(argv, state.address(), route.channel(), message.raw(), route.batch(),
                ip == null ? null : route.channel() + " " + ip);
        ActionRetries.Action action = new ActionRetries.Action(route, invocation, what(message), settled, succeeded,
                due);
        retries.begin(action);
        run(action);
    }

    private void run(ActionRetries.Action action) {
        action.tries++;
        runner.run(action.invocation, result -> {
            // Always through the queue, even when the runner answers on the loop itself (a drop): the
            // outcome is then reported after the current message, never in the middle of it.
            try {
                loop.execute(() -> ended(action, result));
            } catch (RejectedExecutionException loopGone) {
                LOG.info("{} {}: {} finished after shutdown: {}", action.invocation.server(),
                        action.invocation.channel(), ExecReporter.describe(action.invocation.argv()), result);
            }
        });
    }

    private void ended(ActionRetries.Action action, ActionResult result) {
        boolean ok = action.route.succeeded(result);
        boolean stopping = result instanceof ActionResult.Dropped dropped && dropped.byShutdown();
        boolean retried = !ok && !stopping && retries.stillDue(action);
        if (action.tries == 1) {
            reporter.report(state, action.invocation, result, ok, retried ? RETRIED : "");
        } else if (!ok) {
            LOG.debug("{} {}: {}: try {} failed: {}", state.address(), action.invocation.channel(), action.what,
                    action.tries, ExecReporter.outcome(result));
        }
        if (stopping) {
            return; // not settled: a transport that can deliver it again after a restart does
        }
        if (retried) {
            boolean first = action.firstFailedAt == null;
            Duration wait = retries.failed(action, loop.ticker().nanoTime(), clock.instant());
            action.next = loop.schedule(() -> retry(action), wait.toNanos(), TimeUnit.NANOSECONDS);
            if (first && action.settled instanceof MessagePath.Retrying retrying) {
                retrying.retrying();
            }
            return;
        }
        if (ok && action.tries > 1) {
            LOG.info("{} {}: {} applied after {} tries over {} s", state.address(), action.invocation.channel(),
                    action.what, action.tries,
                    Duration.ofNanos(loop.ticker().nanoTime() - action.firstFailedNanos).toSeconds());
        } else if (!ok && action.tries > 1) {
            LOG.info("{} {}: {} not retried any more after {} tries: superseded, ended or unbanned", state.address(),
                    action.invocation.channel(), action.what, action.tries);
        }
        retries.end(action);
        if (ok && action.succeeded != null) {
            action.succeeded.accept(result);
        }
        action.settled.run();
    }

    /** The backoff is over: the action runs again, unless it was superseded or is due no more. */
    private void retry(ActionRetries.Action action) {
        retries.retrying(action);
        if (!retries.stillDue(action)) {
            LOG.info("{} {}: {} not retried any more after {} tries: superseded, ended or unbanned", state.address(),
                    action.invocation.channel(), action.what, action.tries);
            retries.end(action);
            action.settled.run();
            return;
        }
        retries.counted();
        run(action);
    }

    /** How the log names what an action does: {@code ban sshd 192.0.2.7}, else the message. */
    static String what(Message message) {
        String action = message.get("action");
        String jail = message.get("jail");
        String ip = message.get(Route.IP);
        if (action == null || jail == null || ip == null) {
            return Wire.quote(message.raw());
        }
        String verb = action.equals("banip") ? "ban" : action.equals("unbanip") ? "unban" : action;
        return verb + " " + jail + " " + ip;
    }
}
