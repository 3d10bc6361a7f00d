package io.fail2bancluster.agent.status;

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
 * @param ledger    the ledger of bans in force and fanout catch-up; empty when the agent keeps no ledger
 * @param nftables  the table of {@code enforce: nftables} channels; empty when no channel has it
 */
public record AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox,
                          Optional<LedgerSummary> ledger, Optional<NftStatus> nftables) {
    public AgentStatus {
        servers = List.copyOf(servers);
        java.util.Objects.requireNonNull(ledger, "ledger");
        java.util.Objects.requireNonNull(nftables, "nftables");
    }

    /** Without an nftables table. */
    public AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox,
                       Optional<LedgerSummary> ledger) {
        this(startedAt, servers, outbox, ledger, Optional.empty());
    }

    /** Without a ledger. */
    public AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox) {
        this(startedAt, servers, outbox, Optional.empty());
    }

    /**
     * @param address        host:port
     * @param state          connecting, connected, waiting (to reconnect), stopped
     * @param connectedSince when the current connection delivered its greeting
     * @param reconnects     connection attempts after the first
     * @param lastLineAt     when the last line arrived from this server
     * @param counters       message counters in a fixed order: received, filtered_out, deduplicated,
     *                       rejected, executed, failed, timed_out, dropped, errors
     * @param nats           for a NATS server entry: where it reads the stream
     */
    public record ServerStatus(
            String address,
            String state,
            Optional<Instant> connectedSince,
            long reconnects,
            Optional<Instant> lastLineAt,
            Map<String, Long> counters,
            Optional<NatsStatus> nats) {
        public ServerStatus {
            counters = Map.copyOf(counters);
            java.util.Objects.requireNonNull(nats, "nats");
        }

        /** A fanout server's status. */
        public ServerStatus(String address, String state, Optional<Instant> connectedSince, long reconnects,
                            Optional<Instant> lastLineAt, Map<String, Long> counters) {
            this(address, state, connectedSince, reconnects, lastLineAt, counters, Optional.empty());
        }
    }

    /**
     * @param connectedUrl  the URL jnats is connected to, or empty
     * @param position      the settled position: every message up to it ran or was stopped (what the position
     *                      file holds, written at most once a second)
     * @param catchUpLeft   messages of the catch-up still to come; 0 once live
     * @param catchUpSkipped catch-up messages not run (expired bans, unbans of bans never run here, ...)
     */
    public record NatsStatus(Optional<String> connectedUrl, long position, long catchUpLeft, long catchUpSkipped) {
    }
}
