package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.MessageSignature;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.LogThrottle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The message path's check of messages on signed channels, before any filter sees them (see
 * {@link MessageSignature} for the format). A message passes when its {@code sig} is the HMAC of one of
 * the channel's keys (every key is tried, so keys can rotate), its {@code ts} is within
 * {@code signature_window} of this host's clock, and this server has not delivered its {@code nonce}
 * before. Everything else is rejected, counted and warned about at most once per interval. Messages on
 * unsigned channels pass untouched. A reload replaces the policies (keys) for the next message; the
 * nonces stay. One per server, on the agent's event loop.
 */
final class SignatureCheck {
    private static final Logger LOG = LogManager.getLogger(SignatureCheck.class);

    private final ServerState state;
    private Map<String, SignaturePolicy> policies;
    private final Map<String, List<MessageSignature>> macs = new HashMap<>();
    private final long windowSeconds;
    private final Clock clock;
    private final NonceCache nonces;
    private final Rejections rejections;
    private final LogThrottle unsigned = new LogThrottle();

    /**
     * @param policies by channel name; channels without one are unsigned
     * @param clock    the wall clock {@code ts} is compared with
     * @param nonces   this server's nonces; outlives its connections, so a replay after a reconnect is caught
     */
    SignatureCheck(ServerState state, Map<String, SignaturePolicy> policies, Duration window, Clock clock,
                   NonceCache nonces) {
        this.state = state;
        this.windowSeconds = window.toSeconds();
        this.clock = clock;
        this.nonces = nonces;
        this.rejections = new Rejections(state, Counter.REJECTED);
        policies(policies);
    }

    /** A reload's policies, for the next message. */
    void policies(Map<String, SignaturePolicy> next) {
        policies = Map.copyOf(next);
        macs.clear();
        // A MAC per key: Mac objects are not thread-safe, and this check runs on one loop.
        next.forEach((channel, policy) ->
                macs.put(channel, policy.keys().stream().map(SigningKey::signature).toList()));
    }

    /**
     * Whether the message may go on; a rejection is counted and warned about here.
     *
     * @param entered when the message entered the bus, for a transport that keeps messages (a stream's
     *                storage time): its {@code ts} must be within the window of that, not of this host's
     *                clock, so a host catching up hours later still takes what was signed when it was
     *                published, and an old signed message stored again now is still too old. Null: now.
     */
    boolean admits(String channel, Message message, long nowNanos, Instant entered) {
        SignaturePolicy policy = policies.get(channel);
        if (policy == null) {
            return true;
        }
        String problem = problem(channel, message, policy, nowNanos, entered);
        if (problem == null) {
            return true;
        }
        long count = rejections.record(nowNanos);
        if (count > 0) {
            LOG.warn("{} {}: rejected {}: {} ({} rejected by signature checks since the last warning)",
                    state.address(), channel, Wire.quote(message.raw()), problem, count);
        }
        return false;
    }

    /** Why the message must not go on, or null when it may. */
    private String problem(String channel, Message message, SignaturePolicy policy, long nowNanos, Instant entered) {
        MessageSignature.Fields fields = MessageSignature.fields(message);
        if (fields instanceof MessageSignature.Malformed malformed) {
            return "malformed signature: " + malformed.reason();
        }
        if (!(fields instanceof MessageSignature.Signed signed)) {
            if (policy.required()) {
                return "not signed (no sig), and this channel requires signatures";
            }
            long count = unsigned.record(nowNanos);
            if (count > 0) {
                LOG.info("{} {}: accepted {} unsigned message(s) (require_signature: false)", state.address(),
                        channel, count);
            }
            return null;
        }
        long skew = signed.epochSeconds() - (entered == null ? clock.instant() : entered).getEpochSecond();
        if (Math.abs(skew) > windowSeconds) {
            String when = entered == null ? (skew < 0 ? " in the past" : " in the future")
                    : (skew < 0 ? " before" : " after") + " the stream stored it";
            return "ts is " + Math.abs(skew) + " s" + when + ", outside signature_window (" + windowSeconds + " s)";
        }
        if (!matchesAnyKey(channel, message, signed.signature())) {
            return "bad signature (no key of this channel matches)";
        }
        if (!nonces.firstSighting(signed.nonce(), nowNanos)) {
            return "replay: this server already delivered nonce " + signed.nonce();
        }
        return null;
    }

    private boolean matchesAnyKey(String channel, Message message, byte[] signature) {
        boolean matched = false;
        // Every key is tried even after a match, so the time taken does not tell which key matched.
        for (MessageSignature mac : macs.get(channel)) {
            matched |= mac.verify(channel, message, signature);
        }
        return matched;
    }
}
