package io.fail2bancluster.agent.outbox;

import java.util.Set;

/**
 * One server the {@link Outbox} delivers to, whatever carries the bytes: a fanout server's
 * {@link FanoutDelivery} today; a NATS cluster's link can implement the same (publish, confirmed by the
 * JetStream acknowledgement). It keeps what it was offered until it has confirmed it, through its own
 * reconnects, and reports each confirmation with {@link Outbox#confirmed}.
 *
 * <p>All methods run on the agent's event loop.
 */
public interface OutboxDestination {

    /**
     * The name its confirmations are kept under on disk: two destinations with the same name are one
     * server (a server listed twice), which gets each entry once.
     */
    String name();

    /** The channels the server carries: it owes every outbox entry on them. */
    Set<String> channels();

    /** An entry this server has not confirmed: deliver it (again, after a restart) until it is confirmed. */
    void offer(OutboxStore.Entry entry);
}
