package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.LogThrottle;
import io.netty.util.concurrent.Ticker;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Counts and logs how actions ended. One per agent, used only on its event loop, so the drop warning
 * is throttled across all servers: a flood past the exec queue costs one log line per interval.
 */
public final class ExecReporter {
    private static final Logger LOG = LogManager.getLogger(ExecReporter.class);

    private final Ticker ticker;
    private final LogThrottle drops = new LogThrottle();

    public ExecReporter(Ticker ticker) {
        this.ticker = ticker;
    }

    public void report(ServerState state, Invocation invocation, ActionResult result) {
        report(state, invocation, result, LedgerStep.exitedZero(result), "");
    }

    /**
     * How an action's first run ended; its retries are the {@link ActionRetries}' to count and log.
     *
     * @param succeeded whether the route counts it a success (exit 0 or one of its {@code success_exit})
     * @param then      what becomes of it, appended to the warning of a failure ("; retried ...")
     */
    void report(ServerState state, Invocation invocation, ActionResult result, boolean succeeded, String then) {
        if (result instanceof ActionResult.Batched batched) {
            // every message of the run is counted as the run ended; the run is logged once
            count(state, batched.run(), succeeded);
            if (batched.index() == 0) {
                log(invocation, batched.run(), batched.argv(), batched.messages(), succeeded, then);
            }
            return;
        }
        count(state, result, succeeded);
        log(invocation, result, invocation.argv(), 1, succeeded, then);
    }

    private static void count(ServerState state, ActionResult result, boolean succeeded) {
        if (succeeded) {
            state.increment(Counter.EXECUTED);
        } else if (result instanceof ActionResult.Exited || result instanceof ActionResult.NotStarted) {
            state.increment(Counter.FAILED);
        } else if (result instanceof ActionResult.TimedOut) {
            state.increment(Counter.TIMED_OUT);
        } else if (result instanceof ActionResult.Dropped) {
            state.increment(Counter.DROPPED);
        }
    }

    private void log(Invocation invocation, ActionResult result, List<String> argv, int messages, boolean succeeded,
                     String then) {
        if (succeeded && result instanceof ActionResult.Exited exited) {
            // the common case, at fleet rates: build no strings unless the line is logged
            if (LOG.isInfoEnabled()) {
                LOG.info("{} {}: ran {}{} -> exit {} in {} ms{}", invocation.server(), invocation.channel(),
                        describe(argv), carried(messages), exited.status(), exited.took().toMillis(),
                        stderr(exited.stderrHead()));
            }
            return;
        }
        String where = invocation.server() + " " + invocation.channel();
        if (result instanceof ActionResult.Exited exited) {
            LOG.warn("{}: ran {}{} -> exit {} in {} ms{}{}", where, describe(argv), carried(messages), exited.status(),
                    exited.took().toMillis(), stderr(exited.stderrHead()), then);
        } else if (result instanceof ActionResult.TimedOut timedOut) {
            LOG.warn("{}: ran {}{} -> killed with its children after {} ms (exec_timeout){}{}", where,
                    describe(argv), carried(messages), timedOut.took().toMillis(), stderr(timedOut.stderrHead()), then);
        } else if (result instanceof ActionResult.NotStarted notStarted) {
            LOG.error("{}: {} (for {}){}", where, notStarted.reason(),
                    messages == 1 ? Wire.quote(invocation.message()) : messages + " messages", then);
        } else if (result instanceof ActionResult.Dropped dropped) {
            long count = drops.record(ticker.nanoTime());
            if (count > 0) {
                LOG.warn("{}: dropped {} action(s): {}{}", where, count, dropped.reason(), then);
            }
        }
    }

    /** The outcome of a run in a few words, for the log of a retry. */
    static String outcome(ActionResult result) {
        ActionResult run = result instanceof ActionResult.Batched batched ? batched.run() : result;
        if (run instanceof ActionResult.Exited exited) {
            return "exit " + exited.status() + stderr(exited.stderrHead());
        } else if (run instanceof ActionResult.TimedOut timedOut) {
            return "killed after " + timedOut.took().toMillis() + " ms (exec_timeout)";
        } else if (run instanceof ActionResult.NotStarted notStarted) {
            return notStarted.reason();
        }
        return "not run: " + ((ActionResult.Dropped) run).reason();
    }

    /** How many messages a run carried, when it carried more than one. */
    private static String carried(int messages) {
        return messages == 1 ? "" : " (" + messages + " messages in one run)";
    }

    private static String stderr(String head) {
        return head.isEmpty() ? "" : "; stderr: " + head;
    }

    /** argv as one readable line; arguments that a reader could misjoin are quoted. */
    public static String describe(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (String arg : argv) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(needsQuotes(arg) ? Wire.quote(arg) : arg);
        }
        return sb.toString();
    }

    private static boolean needsQuotes(String arg) {
        if (arg.isEmpty()) {
            return true;
        }
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
