package io.fail2bancluster.client;

import java.time.Duration;

/**
 * What became of one publish on one NATS cluster.
 *
 * @param cluster   the cluster's URLs, as the config lists them: the name used in every message
 * @param accepted  JetStream acknowledged it: the stream has stored it (on a quorum of its replicas)
 * @param reason    why it failed, in words for an operator; a description of the acknowledgement when it did not
 * @param elapsed   from the start of the publish call to the acknowledgement or the failure
 */
public record NatsPublishResult(String cluster, boolean accepted, String reason, Duration elapsed) {

    /** {@code cluster: reason}, the line the client prints. */
    @Override
    public String toString() {
        return cluster + ": " + reason;
    }
}
