package io.fail2bancluster.agent.catchup;

import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.path.ChannelRoutes;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Catch-up over fanout, from the fleet itself (see docs/catch-up.md): what every fanout link's
 * {@link LinkCatchUp} shares on the agent's one event loop: the ledger it answers from and checks against,
 * this host's name, the store of until when each channel was held, the timings, and the counters status shows.
 *
 * <p>Timings: the origin of a ban answers within {@link #ORIGIN_DELAY_MAX}; every other host waits
 * {@link #OTHERS_DELAY} plus up to {@link #OTHERS_SPREAD} more, at random, and by then skips what someone
 * announced again (so one ban is announced again about once, however large the fleet); no host announces a
 * ban again within {@link #RATE} of the last time it saw it announced again, whoever asked.
 */
public final class FleetCatchUp {
    static final Duration ORIGIN_DELAY_MAX = Duration.ofMillis(250);
    static final Duration OTHERS_DELAY = Duration.ofMillis(1500);
    static final Duration OTHERS_SPREAD = Duration.ofMillis(3000);
    /**
     * One answer per ban per this long, whatever the number of requests: a request that comes sooner after the
     * last answer of a ban gets it once this has passed (it was not subscribed when that answer went out).
     */
    static final Duration RATE = Duration.ofSeconds(5);
    /** A request asks for a little more than since the channel was last held: lines in flight, clocks apart. */
    static final Duration MARGIN = Duration.ofSeconds(10);

    final Ledger ledger;
    final String hostname;
    final Clock clock;
    final HeldStore held;
    /** Signature nonces; made off the loop, never reads a device there. */
    final Random nonces;
    final Random delays = new Random();
    long requestsSent;
    long requestsAnswered;
    long reannounced;
    long recovered;

    /**
     * @param nonces from {@code FanoutDelivery.nonceSource()}
     */
    public FleetCatchUp(Ledger ledger, String hostname, Clock clock, HeldStore held, Random nonces) {
        this.ledger = ledger;
        this.hostname = hostname;
        this.clock = clock;
        this.held = held;
        this.nonces = nonces;
    }

    /** The catch-up of one fanout server, whose channels and keys are {@code routes}' now. */
    public LinkCatchUp forLink(String server, Supplier<ChannelRoutes> routes) {
        return new LinkCatchUp(this, server, routes);
    }

    /** Catch-up requests this host announced, since start. On the loop. */
    public long requestsSent() {
        return requestsSent;
    }

    public long requestsAnswered() {
        return requestsAnswered;
    }

    public long reannounced() {
        return reannounced;
    }

    public long recovered() {
        return recovered;
    }
}
