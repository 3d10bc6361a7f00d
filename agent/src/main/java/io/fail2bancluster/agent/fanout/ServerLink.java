package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.agent.catchup.LinkCatchUp;
import io.fail2bancluster.agent.link.Link;
import io.fail2bancluster.agent.outbox.FanoutDelivery;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.util.Backoff;
import io.fail2bancluster.util.LogThrottle;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One configured fanout server, the agent's {@link Link} to it: its counters and status ({@link ServerState}),
 * its {@link MessagePath} (with the routes its connections subscribe to, and the nonces and throttles that
 * outlive connections), its share of the outbox, the live connection, and the lifecycle that keeps it connected: connect, and whenever a
 * connect fails or a connection closes, schedule the next attempt on the event loop after a
 * {@link Backoff} delay. Never sleeps, never blocks. A reload hands it new routes with {@link #routes}.
 *
 * <p>The backoff starts again from {@code reconnect_min} only after a connection was greeted and stayed
 * up for {@code stableAfter}: a server that accepts and drops us at once (crash loop, {@code debug!busy},
 * a proxy with no backend) is treated as failing, so a fleet of agents backs off from it instead of
 * hammering it every {@code reconnect_min}.
 *
 * <p>All methods run on the event loop.
 */
public final class ServerLink implements Link {
    private static final Logger LOG = LogManager.getLogger(ServerLink.class);
    /** Attempts past this do not grow the backoff further (and the shift cannot overflow). */
    private static final int MAX_ATTEMPT = 62;
    /**
     * While a server stays unreachable its failed connects are warned about at most this often (info in
     * between): an operator at {@code log_level: 1} hears of an outage within one interval, not never,
     * and a fleet's logs do not fill with one warning per retry.
     */
    static final Duration UNREACHABLE_WARNING_INTERVAL = Duration.ofMinutes(5);

    /** Starts one connect; must resolve the host name afresh each time. */
    @FunctionalInterface
    public interface Connector {
        ChannelFuture connect();
    }

    private final EventLoop loop;
    private final Connector connector;
    private final Backoff backoff;
    private final Duration stableAfter;
    private final ServerState state;
    /** Holds the routes: what the next connection subscribes to, replaced by a reload. */
    private final MessagePath path;
    /** The connection set up last, from its registration (or connect) until it closes; null between. */
    private Channel live;
    private int attempt;
    private boolean started;
    private boolean stopped;
    private ScheduledFuture<?> pendingRetry;
    /** Failed connects of the current outage (since the start, or since the last connection was up). */
    private Outage outage;
    /** What this server owes of the agent's outbox; null when the agent keeps none. */
    private FanoutDelivery delivery;
    /** Catch-up from the fleet on this server; null when the agent keeps no ledger. */
    private LinkCatchUp catchUp;

    /** One stretch of failed connects: when it began, how many, and when they may be warned about again. */
    private static final class Outage {
        final long sinceNanos;
        final LogThrottle warnings = new LogThrottle(UNREACHABLE_WARNING_INTERVAL.toNanos());
        long failures;

        Outage(long sinceNanos) {
            this.sinceNanos = sinceNanos;
        }
    }

    /**
     * @param path      with the routes the first connection subscribes to
     * @param connector starts a connect whose channel {@link ServerPipeline} sets up for this link
     */
    public ServerLink(ServerState state, MessagePath path, EventLoop loop, Connector connector,
               Backoff backoff, Duration stableAfter) {
        this.state = state;
        this.path = path;
        this.loop = loop;
        this.connector = connector;
        this.backoff = backoff;
        this.stableAfter = stableAfter;
    }

    public ServerState state() {
        return state;
    }

    @Override
    public MessagePath path() {
        return path;
    }

    /** Its share of the outbox: each connection set up from now on delivers it. */
    public void delivery(FanoutDelivery outbox) {
        this.delivery = outbox;
    }

    /** Catch-up from the fleet: each connection from now on asks, and the path tells it what it sees. */
    public void catchUp(LinkCatchUp fleet) {
        this.catchUp = fleet;
        path.catchUp(fleet);
    }

    /** Null when the agent keeps no ledger. */
    public LinkCatchUp catchUp() {
        return catchUp;
    }

    /** Null when the agent keeps no outbox. */
    @Override
    public FanoutDelivery delivery() {
        return delivery;
    }

    /** The channels a connection set up now subscribes to. */
    public List<String> channels() {
        return path.routes().channels();
    }

    /**
     * A reload's new routes: the message path uses them from the next message on, every later connection
     * subscribes to them, the live one (connecting or connected) gets the difference as a user event
     * ({@link Resubscribe}), so its session changes its subscriptions without reconnecting, and the outbox
     * delivery owes the channels the server carries now. On the loop.
     */
    @Override
    public void routes(ChannelRoutes next) {
        List<String> before = channels();
        path.routes(next);
        if (live != null) {
            live.pipeline().fireUserEventTriggered(Resubscribe.between(before, next.channels()));
        }
        if (delivery != null) {
            delivery.channels(next.carried(), next.keys());
        }
    }

    @Override
    public AgentStatus.ServerStatus snapshot(long nowNanos, Instant now) {
        return state.snapshot(nowNanos, now);
    }

    /** Called by the pipeline as it sets up a connection of this link, and once it connected. On the loop. */
    void settingUp(Channel ch) {
        if (live == ch) {
            return;
        }
        live = ch;
        ch.closeFuture().addListener(closed -> {
            if (live == ch) {
                live = null;
            }
        });
    }

    /** How long a greeted connection must stay up before the backoff starts again from its minimum. */
    public static Duration stableAfter(Duration reconnectMax) {
        Duration tenSeconds = Duration.ofSeconds(10);
        return reconnectMax.compareTo(tenSeconds) < 0 ? reconnectMax : tenSeconds;
    }

    @Override
    public void connect() {
        pendingRetry = null;
        if (stopped) {
            return;
        }
        if (started) {
            state.reconnecting();
        }
        started = true;
        state.phase(ServerState.Phase.CONNECTING);
        connector.connect().addListener(this::connectDone);
    }

    private void connectDone(Future<? super Void> future) {
        Channel connected = ((ChannelFuture) future).channel();
        if (stopped) {
            connected.close();
            return;
        }
        if (!future.isSuccess()) {
            Duration delay = nextDelay();
            connectFailed(ConnectFailure.describe(state.address(), future.cause()), delay);
            scheduleRetry(delay);
            return;
        }
        LOG.debug("{}: TCP connection up ({}), waiting for the greeting", state.address(), connected.remoteAddress());
        settingUp(connected);
        connected.closeFuture().addListener(closed -> disconnected());
    }

    /**
     * The first failure of an outage is a warning, and so is one every interval while it lasts; the rest info.
     * {@code failure} reads as a sentence: "connection refused by HOST:PORT", "HOST:PORT: cannot connect: ...".
     */
    private void connectFailed(String failure, Duration retryIn) {
        long now = loop.ticker().nanoTime();
        if (outage == null) {
            outage = new Outage(now);
        }
        outage.failures++;
        long sinceLastWarning = outage.warnings.record(now);
        String retrying = "retrying in " + ConnectFailure.seconds(retryIn) + " s";
        if (sinceLastWarning == 0) {
            LOG.info("{}; {}", failure, retrying);
        } else if (outage.failures == 1) {
            LOG.warn("{}; {} (this warning repeats every {} min while it stays unreachable)",
                    failure, retrying, UNREACHABLE_WARNING_INTERVAL.toMinutes());
        } else {
            LOG.warn("{} ({} attempts over {} s); {}", failure, outage.failures,
                    Duration.ofNanos(now - outage.sinceNanos).toSeconds(), retrying);
        }
    }

    private void disconnected() {
        Optional<Duration> greetedFor = state.greetedFor(loop.ticker().nanoTime());
        if (greetedFor.isPresent()) {
            outage = null; // it was up: the next failure starts a new outage, and is warned about at once
        }
        if (greetedFor.isPresent() && greetedFor.get().compareTo(stableAfter) >= 0) {
            attempt = 0;
        }
        if (stopped) {
            LOG.info("{}: disconnected (agent stopping)", state.address());
            return;
        }
        LOG.info("{}: disconnected{}", state.address(),
                greetedFor.map(up -> " after " + up.toMillis() + " ms").orElse(" before the greeting"));
        scheduleRetry(nextDelay());
    }

    private Duration nextDelay() {
        Duration delay = backoff.delay(attempt);
        attempt = Math.min(attempt + 1, MAX_ATTEMPT);
        return delay;
    }

    private void scheduleRetry(Duration delay) {
        state.phase(ServerState.Phase.WAITING);
        LOG.info("{}: reconnecting in {} ms", state.address(), delay.toMillis());
        pendingRetry = loop.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops reconnecting and closes the connection; the future completes when it is closed. */
    @Override
    public Future<?> stop() {
        stopped = true;
        state.phase(ServerState.Phase.STOPPED);
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
        return live != null ? live.close() : loop.newSucceededFuture(null);
    }

    /** The attempt number the next failure's delay will be drawn for (0 after a reset). */
    public int attempt() {
        return attempt;
    }
}
