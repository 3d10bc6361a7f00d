package io.fail2bancluster.client;

import java.time.Duration;

/**
 * What became of one announce on one target.
 *
 * @param target   where it went
 * @param accepted the server greeted us, took the announce and answered the ping written after it, so
 *                 it has processed the announce (fanout itself never acknowledges one)
 * @param reason   why it failed, in words for an operator; {@code "accepted"} when it did not
 * @param elapsed  from the start of the publish call to the ping reply or the failure
 */
public record PublishResult(Target target, boolean accepted, String reason, Duration elapsed) {

    static PublishResult accepted(Target target, Duration elapsed) {
        return new PublishResult(target, true, "accepted", elapsed);
    }

    static PublishResult failed(Target target, String reason, Duration elapsed) {
        return new PublishResult(target, false, reason, elapsed);
    }

    /** {@code host:port: reason}, the line the client prints for a failed target. */
    @Override
    public String toString() {
        return target + ": " + reason;
    }
}
