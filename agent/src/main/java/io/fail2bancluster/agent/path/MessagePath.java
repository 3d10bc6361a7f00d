package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.MessageLimits;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.QueueBound;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What becomes of a message that arrived on a channel from one server, whatever carried it:
 * <pre>
 *   (channel, text) -> parse within the limits -> signature -> filter -> dedupe -> fleet count -> ledger -> exec
 * </pre>
 * An {@code action=attempt} report stops at the fleet count, unless it decides a fleet ban, which goes on
 * to the ledger and exec as any received ban does.
 * The text is parsed once, here, into a {@link Message} that carries its limits check; every later step
 * reads that value. Each step counts what it stops under this server's counters and warns at most once
 * per interval. The path knows nothing of how the message travelled: fanout's pipeline feeds it from its
 * {@code MessagePathHandler}, the NATS link from its stream subscription, and another transport can feed it
 * from its own connection, as long as it calls {@link #accept} on the agent's event loop, where the shared
 * dedupe and the counters live.
 *
 * <p>One per configured server, living as long as the server stays configured: its signature nonces and
 * log throttles outlive reconnects, and a reload hands it new routes with {@link #routes}.
 */
public final class MessagePath {
    private static final Logger LOG = LogManager.getLogger(MessagePath.class);
    private static final Runnable NOTHING = () -> {
    };

    /**
     * A {@code settled} callback that also hears when its message's action failed and waits for a retry: the
     * message no longer takes a place among those handed over (a stream's window stays open for the ones behind
     * it), but it is not settled until the retry succeeded or was given up (the stream position stays below it).
     */
    public interface Retrying extends Runnable {
        /** On the loop, at the action's first failure. */
        void retrying();
    }

    /**
     * What the paths of every server share, on the agent's one event loop: the loop itself, the dedupe
     * across servers, the fleet's count of attempts, the action runner and its reporter, the limits and the
     * signature window.
     */
    public record Shared(EventLoop loop, Deduplicator deduplicator, FleetCounter fleet, ActionRunner runner,
                         ExecReporter reporter, ClusterConfig.Limits limits, Duration signatureWindow, Clock clock,
                         Ledger ledger, NftEnforcer enforcer, ActionRetries retries) {
        /**
         * With a count of attempts of their own, no nftables table (no channel has {@code enforce: nftables}) and
         * the default action_retry_max.
         */
        public Shared(EventLoop loop, Deduplicator deduplicator, ActionRunner runner, ExecReporter reporter,
                      ClusterConfig.Limits limits, Duration signatureWindow, Clock clock, Ledger ledger) {
            this(loop, deduplicator, new FleetCounter(), runner, reporter, limits, signatureWindow, clock, ledger);
        }

        /** No nftables table, and the default action_retry_max. */
        public Shared(EventLoop loop, Deduplicator deduplicator, FleetCounter fleet, ActionRunner runner,
                      ExecReporter reporter, ClusterConfig.Limits limits, Duration signatureWindow, Clock clock,
                      Ledger ledger) {
            this(loop, deduplicator, fleet, runner, reporter, limits, signatureWindow, clock, ledger, null,
                    new ActionRetries(runner, ClusterConfig.DEFAULT_ACTION_RETRY_MAX));
        }

        /** Without a ledger: every ban and unban runs as it comes. */
        public Shared(EventLoop loop, Deduplicator deduplicator, FleetCounter fleet, ActionRunner runner,
                      ExecReporter reporter, ClusterConfig.Limits limits, Duration signatureWindow, Clock clock) {
            this(loop, deduplicator, fleet, runner, reporter, limits, signatureWindow, clock, null);
        }

        /** Without a ledger, with a count of attempts of their own. */
        public Shared(EventLoop loop, Deduplicator deduplicator, ActionRunner runner, ExecReporter reporter,
                      ClusterConfig.Limits limits, Duration signatureWindow, Clock clock) {
            this(loop, deduplicator, new FleetCounter(), runner, reporter, limits, signatureWindow, clock, null);
        }
    }

    private final ServerState state;
    private final int serverIndex;
    private final MessageLimits limits;
    private final Rejections overLimits;
    private final SignatureCheck signatures;
    private final RouteFilter filter;
    private final Deduplicator deduplicator;
    private final FleetCounter fleet;
    private final LedgerStep ledger;
    /** What a transport pauses for: the exec queue, and the nftables writer's when a channel enforces. */
    private final QueueBound bound;
    private final EventLoop loop;
    private final Ticker ticker;
    private final Clock clock;
    /** The routes its steps act on now: the one place a server's channels are kept. */
    private ChannelRoutes routes;
    /** The link's fanout catch-up; null when it has none (NATS, or no ledger). */
    private CatchUpListener catchUp;

    /** @param serverIndex this server's identity in the shared {@link Deduplicator} */
    public MessagePath(ServerState state, int serverIndex, ChannelRoutes routes, Shared shared) {
        this.state = state;
        this.serverIndex = serverIndex;
        this.limits = shared.limits().message();
        this.overLimits = new Rejections(state, Counter.REJECTED);
        this.signatures = new SignatureCheck(state, routes.signatures(), shared.signatureWindow(), shared.clock(),
                new NonceCache(shared.signatureWindow().multipliedBy(2).toNanos(), NonceCache.DEFAULT_CAPACITY));
        this.filter = new RouteFilter(state, routes.routes());
        this.deduplicator = shared.deduplicator();
        this.fleet = shared.fleet();
        fleet.routes(routes);
        this.ledger = new LedgerStep(state, shared.ledger(), new ActionDispatcher(state, shared.loop(),
                shared.runner(), shared.reporter(), ArgvCharset.PLATFORM, shared.enforcer() == null ? null
                        : new KernelDispatch(state, shared.loop(), shared.enforcer(), shared.clock()), shared.retries(),
                shared.clock()), shared.clock(), () -> catchUp);
        this.bound = shared.enforcer() == null ? shared.runner() : QueueBound.either(shared.runner(), shared.enforcer());
        this.loop = shared.loop();
        this.ticker = shared.loop().ticker();
        this.routes = routes;
        this.clock = shared.clock();
    }

    /**
     * The clock the signature window is judged by: a transport that judges a message's age before the path
     * (a stream's catch-up) reads this one, so both agree on what "now" is.
     */
    public Clock clock() {
        return clock;
    }

    /**
     * The text as this path parses it, within its limits: for a transport that must look at a message before
     * handing it over (a stream's catch-up), which then gives the same {@link Message} to
     * {@link #accept(String, Message, Instant, Runnable)}, so the text is parsed once.
     */
    public Message parse(String text) {
        return Message.parse(text, limits);
    }

    /**
     * Where one connection (or subscription) of this server hands its messages over, holding them and
     * stopping its {@code reads} while the exec queue (or the nftables writer's) is full. On the loop.
     */
    public BackPressure backPressure(BackPressure.Reads reads) {
        return new BackPressure(state, bound, loop, reads);
    }

    /** The routes it acts on now; on the loop. */
    public ChannelRoutes routes() {
        return routes;
    }

    /** A reload's routes: the next message is checked, filtered and run by them. On the loop. */
    public void routes(ChannelRoutes next) {
        routes = next;
        signatures.policies(next.signatures());
        filter.routes(next.routes());
        fleet.routes(next);
    }

    /**
     * Runs again the actions the ledger holds as not yet succeeded on this path's channels (a ban
     * {@code PENDING}, an unban {@code UNBAN_PENDING}), as a restart finds them: the ones of {@code pending}
     * that it takes are removed from it. On the loop.
     */
    public void resume(java.util.Collection<io.fail2bancluster.agent.ledger.LedgerEntry> pending) {
        long nowNanos = ticker.nanoTime();
        pending.removeIf(entry -> {
            Route route = routes.routes().get(entry.channel());
            return route != null && ledger.resume(route, entry, nowNanos);
        });
    }

    /** Catch-up requests and bans announced again go to {@code listener} from now on. On the loop. */
    public void catchUp(CatchUpListener listener) {
        catchUp = listener;
    }

    /** One message that arrived on {@code channel}, from a transport that redelivers nothing. On the loop. */
    public void accept(String channel, String text) {
        accept(channel, text, null, NOTHING);
    }

    /**
     * One message that arrived on {@code channel}. On the agent's event loop.
     *
     * @param entered when the message entered the bus, for a transport that keeps messages (a stream's storage
     *                time; see {@link SignatureCheck#admits(String, Message, long, java.time.Instant)}); null: now
     * @param settled run on the loop once the message's fate is final: stopped by a step, or its action
     *                reported; not when the agent stopped before its action ran. A transport that can
     *                deliver a message again (a stream) stores its position by this, so a message whose
     *                action never ran is delivered again after a restart.
     */
    public void accept(String channel, String text, Instant entered, Runnable settled) {
        accept(channel, parse(text), entered, settled);
    }

    /**
     * One message that arrived on {@code channel}, already parsed by {@link #parse}. On the agent's event loop;
     * {@code entered} and {@code settled} as for {@link #accept(String, String, Instant, Runnable)}.
     */
    public void accept(String channel, Message message, Instant entered, Runnable settled) {
        long nowNanos = ticker.nanoTime();
        // a catch-up request is talk between agents, not a ban: it is counted apart (requests seen), never as
        // filtered out, and as received only when the signature check refuses it, since every rejected message
        // was received; so those counters mean what they meant before catch-up
        boolean request = message.refusal() == null && BanMessage.CATCHUP.equals(message.get(BanMessage.ACTION));
        if (!request) {
            state.increment(Counter.RECEIVED);
        }
        if (message.refusal() != null) {
            long count = overLimits.record(nowNanos);
            if (count > 0) {
                // "rejected", the word of the counter it is in (status and metrics): "dropped" is the exec queue's
                LOG.warn("{} {}: rejected {}: {} ({} rejected over limits since the last warning)", state.address(),
                        Wire.quote(channel), Wire.quote(message.raw()), message.refusal(), count);
            }
            settled.run();
            return;
        }
        if (!signatures.admits(channel, message, nowNanos, entered)) {
            if (request) {
                state.increment(Counter.RECEIVED); // a refused request is a rejected message like any other
            }
            settled.run();
            return;
        }
        if (request) {
            // for the link's catch-up, never for a filter or an action
            if (catchUp != null) {
                catchUp.requested(channel, message);
            }
            settled.run();
            return;
        }
        Route route = filter.route(channel, message, nowNanos);
        if (route == null) {
            settled.run();
            return;
        }
        if (!deduplicator.admit(serverIndex, channel, message.raw(), nowNanos)) {
            state.increment(Counter.DEDUPLICATED);
            LOG.debug("{} {}: {} already delivered by another server", state.address(), channel,
                    Wire.quote(message.raw()));
            settled.run();
            return;
        }
        if (FleetCounter.isAttempt(message)) {
            // the time a stream stored it is the same on every agent: they all count alike
            Instant now = clock.instant();
            message = fleet.count(state, route, message, entered != null ? entered : now, now);
            if (message == null) {
                settled.run();
                return;
            }
        }
        ledger.dispatch(route, message, ledger.read(route, message, entered), entered, nowNanos, settled);
    }
}
