package io.fail2bancluster.client;

import io.fail2bancluster.protocol.Command;

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
     * Whether the announce travels as a fanout line, {@code announce CHANNEL MESSAGE}, which brokers and agents
     * drop past {@code max_line}; a NATS message is not a line.
     */
    boolean carriesLines();

    /** The line the client prints about an outcome here: {@code name: outcome}. */
    default String line(String outcome) {
        return name() + ": " + outcome;
    }
}
