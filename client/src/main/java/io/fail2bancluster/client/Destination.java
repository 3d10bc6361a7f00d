package io.fail2bancluster.client;

import io.fail2bancluster.protocol.Command;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a publish goes: a fanout server ({@link FanoutDestination}), a NATS JetStream cluster
 * ({@link NatsDestination}) or the local agent ({@link AgentDestination}). Every command of the client
 * publishes through this one shape, and {@link Publisher} runs several at once and collects them by one
 * deadline.
 */
public interface Destination {

    /** The name every line about it starts with: {@code host:port}, the cluster's URLs, the agent's socket. */
    String name();

    /**
     * Delivers {@code announce} on the calling thread and says whether this destination accepted it.
     * Returns by the deadline, or soon after {@link Deadline#expire()} closed what it is blocked on; names
     * what it waits for with {@link Deadline#waitingFor}, for the words of a timeout.
     */
    PublishResult publish(Command.Announce announce, Deadline deadline);

    /**
     * Delivers {@code announces} (a blocklist's bans, all on one channel) as fast as this destination takes
     * them, and says whether it accepted every one by the deadline; {@code sent} counts those it has, for a
     * progress line. By default one {@link #publish} after the other; fanout pipelines them over one
     * connection, NATS publishes them asynchronously.
     */
    default PublishResult publishAll(List<Command.Announce> announces, Deadline deadline, LongAdder sent) {
        for (int i = 0; i < announces.size(); i++) {
            PublishResult result = publish(announces.get(i), deadline);
            if (!result.accepted()) {
                return PublishResult.failed(this, result.reason() + " (after " + i + " of " + announces.size()
                        + " accepted)", deadline.elapsed());
            }
            sent.increment();
        }
        return PublishResult.accepted(this, deadline.elapsed());
    }

    /**
     * Whether the announce travels as a fanout line, {@code announce CHANNEL MESSAGE}, which brokers and agents
     * drop past {@code max_line}; a NATS message is not a line.
     */
    boolean carriesLines();

    /** The line the client prints about an outcome here: {@code name: outcome}. */
    default String line(String outcome) {
        return name() + ": " + outcome;
    }
}
