package io.fail2bancluster.agent;

import io.fail2bancluster.agent.outbox.OutboxStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code fail2ban-clusterd status} shows.
 *
 * @param startedAt when the agent started
 * @param servers   one entry per configured server, in config order
 * @param outbox    this host's publishes waiting for delivery; empty when the agent keeps no outbox
 */
public record AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox) {
    public AgentStatus {
        servers = List.copyOf(servers);
    }

    /** An agent without an outbox. */
    public AgentStatus(Instant startedAt, List<ServerStatus> servers) {
        this(startedAt, servers, Optional.empty());
    }

    /**
     * @param address        host:port
     * @param state          connecting, connected, waiting (to reconnect), stopped
     * @param connectedSince when the current connection delivered its greeting
     * @param reconnects     connection attempts after the first
     * @param lastLineAt     when the last line arrived from this server
     * @param counters       message counters in a fixed order: received, filtered_out, deduplicated,
     *                       rejected, executed, failed, timed_out, dropped, errors
     */
    public record ServerStatus(
            String address,
            String state,
            Optional<Instant> connectedSince,
            long reconnects,
            Optional<Instant> lastLineAt,
            Map<String, Long> counters) {
        public ServerStatus {
            counters = Map.copyOf(counters);
        }
    }
}
