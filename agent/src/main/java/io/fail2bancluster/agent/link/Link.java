package io.fail2bancluster.agent.link;

import io.fail2bancluster.agent.outbox.OutboxDestination;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.AgentStatus;
import io.netty.util.concurrent.Future;
import java.time.Instant;

/**
 * One configured server entry as the agent runs it, whatever the transport (a fanout server's
 * {@code ServerLink}, a NATS cluster's {@code NatsLink}): it keeps itself connected, feeds what arrives
 * into its {@code MessagePath}, and delivers its share of the outbox. The agent holds one list of them
 * and knows nothing else of a transport.
 *
 * <p>All methods run on the agent's event loop.
 */
public interface Link {

    /** Starts connecting; the link reconnects by itself from then on until {@link #stop}. */
    void connect();

    /**
     * A reload's channels, filters, actions and keys: the only way they change. The link hands them to its
     * message path (from the next message on), its live connection (which subscribes the difference, no
     * reconnect) and its delivery (the channels it owes of the outbox).
     */
    void routes(ChannelRoutes next);

    /** Where its messages go: its routes, its steps and their action. */
    MessagePath path();

    /** What {@code status} and the metrics page show of it now. */
    AgentStatus.ServerStatus snapshot(long nowNanos, Instant now);

    /** Its share of the agent's outbox, one of the outbox's destinations; null when the agent keeps none. */
    OutboxDestination delivery();

    /** Stops reconnecting and closes the connection; the future completes once it is closed. */
    Future<?> stop();
}
