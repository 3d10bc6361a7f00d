package io.fail2bancluster.agent.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * The ledger at a glance, for status and metrics.
 *
 * @param entries        entries held (bans in force, awaiting an action, revoked)
 * @param max            {@code ledger_max}: past it new keys are refused
 * @param inForce        bans in force (applied or pending)
 * @param awaitingAction bans and unbans whose action has not succeeded yet
 * @param revoked        unbanned bans kept until their end
 * @param refused        new keys refused because the ledger was full, since start
 * @param lastWritten    when the ledger was last written to disk whole; empty when not yet in this run
 * @param writeFailure   why the last write failed (a full disk...), until a write succeeds again
 */
public record LedgerStatus(int entries, int max, int inForce, int awaitingAction, int revoked, long refused,
                           Optional<Instant> lastWritten, Optional<String> writeFailure) {
}
