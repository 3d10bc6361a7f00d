package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.protocol.Message;

/**
 * What the message path tells a link's fanout catch-up: requests of other hosts ({@code action=catchup}),
 * which never reach a filter or an action, bans and unbans announced again (so a host that sees one skips
 * it), and those that then ran here. All on the agent's event loop, after the signature check.
 */
public interface CatchUpListener {
    /** Another host (or this one's echo) asks, on {@code channel}, for what it missed. */
    void requested(String channel, Message request);

    /** A ban or unban announced again reached this host on {@code channel}. */
    void reannounced(String channel, BanMessage message);

    /** A ban announced again ran here: this host had missed it. */
    void recovered(String channel);
}
