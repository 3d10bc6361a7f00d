package io.fail2bancluster.agent.nats;

import io.fail2bancluster.nats.CatchUp;
import io.fail2bancluster.nats.StoredMessage;
import io.fail2bancluster.protocol.Message;
import java.time.Clock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The catch-up's gate in front of a link's message path. A message up to the stream's last sequence when the
 * subscription started is catch-up, and passes only when {@link CatchUp} says it runs. A later one is live and
 * always passes. A skipped message is counted ({@code catch_up_skipped}) and logged at debug level with why.
 *
 * <p>"Now" is the agent's clock, the one the message path judges signatures by. One per link, on the loop.
 */
final class CatchUpGate {
    private static final Logger LOG = LogManager.getLogger(CatchUpGate.class);

    private final String address;
    private final Clock clock;
    private long skipped;

    /** @param address how logs name the link */
    CatchUpGate(String address, Clock clock) {
        this.address = address;
        this.clock = clock;
    }

    /**
     * Whether {@code message}, delivered to {@code subscription}, goes on into the path.
     *
     * @param parsed its text as the path parsed it; the path then takes this same one
     */
    boolean admits(Subscription subscription, StoredMessage message, Message parsed) {
        if (!subscription.isCatchUp(message.sequence())) {
            return true;
        }
        CatchUp.Verdict verdict = CatchUp.verdict(message, parsed, clock.instant(), subscription.lastProcessed());
        if (verdict.runs()) {
            return true;
        }
        skipped++;
        LOG.debug("{}: catch-up skips sequence {} ({}): {}", address, message.sequence(), verdict, message.message());
        return false;
    }

    /** Catch-up messages skipped since the link started, over all its subscriptions. */
    long skipped() {
        return skipped;
    }
}
