package io.fail2bancluster.client;

import java.time.Duration;

/**
 * What became of one publish at one destination.
 *
 * @param destination where it went
 * @param accepted    the destination has it: a fanout server answered the ping written after the announce
 *                    (fanout never acknowledges an announce itself), JetStream acknowledged that the stream
 *                    stored it, or the local agent has it on disk
 * @param reason      why it failed, in words for an operator; what the destination said when it accepted
 * @param elapsed     from the start of the publish to the acceptance or the failure
 */
public record PublishResult(Destination destination, boolean accepted, String reason, Duration elapsed) {

    static PublishResult accepted(Destination destination, Duration elapsed) {
        return new PublishResult(destination, true, "accepted", elapsed);
    }

    static PublishResult failed(Destination destination, String reason, Duration elapsed) {
        return new PublishResult(destination, false, reason, elapsed);
    }

    /** {@code host:port: reason}, the line the client prints for a failed destination. */
    @Override
    public String toString() {
        return destination.line(reason);
    }
}
