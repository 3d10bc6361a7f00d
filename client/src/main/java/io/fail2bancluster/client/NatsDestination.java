package io.fail2bancluster.client;

import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.protocol.Command;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A NATS JetStream cluster to publish to: a {@code nats:} entry of the config, or {@code --nats}. It accepted
 * the publish when JetStream acknowledged that its stream stored it (on a quorum of its replicas).
 *
 * <p>No jnats type appears here: {@link NatsExchange} loads jnats only when a NATS cluster is published to,
 * so the fanout path, whose start-up is ban latency, never does.
 *
 * @param cluster the entry: its URLs, stream, auth and TLS
 */
public record NatsDestination(NatsServerConfig cluster) implements Destination {

    /** The cluster's URLs, as the config lists them. */
    @Override
    public String name() {
        return cluster.address();
    }

    @Override
    public boolean carriesLines() {
        return false;
    }

    @Override
    public PublishResult publish(Command.Announce announce, Deadline deadline) {
        return new NatsExchange(this, announce.channel().toString(), announce.message(), deadline).run();
    }

    /** Asynchronous publishes over one connection, a bounded number waiting for their acknowledgement. */
    @Override
    public PublishResult publishAll(List<Command.Announce> announces, Deadline deadline, LongAdder sent) {
        List<String> messages = new ArrayList<>(announces.size());
        for (Command.Announce announce : announces) {
            messages.add(announce.message());
        }
        return new NatsExchange(this, announces.get(0).channel().toString(), messages, sent, deadline).run();
    }

    @Override
    public String toString() {
        return name();
    }
}
