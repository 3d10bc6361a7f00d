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
 * @param fleetBan  the count of the fleet's attempts; empty when no channel has {@code fleet_ban}
 * @param nftables  the table of {@code enforce: nftables} channels; empty when no channel has it
 * @param retries   actions that failed and are retried
 */
public record AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox,
                          Optional<LedgerSummary> ledger, Optional<FleetBanStatus> fleetBan,
                          Optional<NftStatus> nftables, Retries retries) {
    public AgentStatus {
        servers = List.copyOf(servers);
        java.util.Objects.requireNonNull(ledger, "ledger");
        java.util.Objects.requireNonNull(fleetBan, "fleetBan");
        java.util.Objects.requireNonNull(nftables, "nftables");
        java.util.Objects.requireNonNull(retries, "retries");
    }

    /** An agent that counts no attempts, has no nftables table, and no action failing. */
    public AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox,
                       Optional<LedgerSummary> ledger) {
        this(startedAt, servers, outbox, ledger, Optional.empty(), Optional.empty(), Retries.NONE);
    }

    /** With no action failing. */
    public AgentStatus(Instant startedAt, List<ServerStatus> servers, Optional<OutboxStatus> outbox,
                       Optional<LedgerSummary> ledger, Optional<FleetBanStatus> fleetBan,
                       Optional<NftStatus> nftables) {
        this(startedAt, servers, outbox, ledger, fleetBan, nftables, Retries.NONE);
    }

    /**
     * Actions that failed and are retried until they succeed (docs/retries.md).
     *
     * @param failing       actions failing now: waiting for their next try, or running it
     * @param retries       tries after the first, since the agent started
     * @param oldestFailing when the action failing longest first failed; empty when none fails
     */
    public record Retries(int failing, long retries, Optional<Instant> oldestFailing) {
        public static final Retries NONE = new Retries(0, 0, Optional.empty());
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
     * @param readPauses     how often reading from it stopped because the exec queue was full
     */
    public record ServerStatus(
            String address,
            String state,
            Optional<Instant> connectedSince,
            long reconnects,
            Optional<Instant> lastLineAt,
            Map<String, Long> counters,
            Optional<NatsStatus> nats,
            ReadPauses readPauses) {
        public ServerStatus {
            counters = Map.copyOf(counters);
            java.util.Objects.requireNonNull(nats, "nats");
            java.util.Objects.requireNonNull(readPauses, "readPauses");
        }

        /** A server whose reads never paused. */
        public ServerStatus(String address, String state, Optional<Instant> connectedSince, long reconnects,
                            Optional<Instant> lastLineAt, Map<String, Long> counters, Optional<NatsStatus> nats) {
            this(address, state, connectedSince, reconnects, lastLineAt, counters, nats, ReadPauses.NEVER);
        }

        /** A fanout server's status. */
        public ServerStatus(String address, String state, Optional<Instant> connectedSince, long reconnects,
                            Optional<Instant> lastLineAt, Map<String, Long> counters) {
            this(address, state, connectedSince, reconnects, lastLineAt, counters, Optional.empty());
        }
    }

    /**
     * Back-pressure: reading from a server stops while the exec queue is full, and goes on once it has
     * drained to half, so a burst is held by the server and TCP instead of being dropped.
     *
     * @param count  times reading stopped since the agent started
     * @param now    whether it is stopped now
     */
    public record ReadPauses(long count, boolean now) {
        public static final ReadPauses NEVER = new ReadPauses(0, false);
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
