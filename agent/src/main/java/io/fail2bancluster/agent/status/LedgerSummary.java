package io.fail2bancluster.agent.status;

import java.util.Optional;

/**
 * What {@code status} and the metrics page show of the ledger of bans in force and of fanout catch-up.
 *
 * @param entries          entries held (bans in force, awaiting an action, revoked)
 * @param max              {@code ledger_max}
 * @param inForce          bans in force
 * @param awaitingAction   bans and unbans whose action has not succeeded here yet
 * @param refused          new entries refused because the ledger was full, since start
 * @param writeFailure     why the ledger cannot be written now (a full disk); empty when it can
 * @param requestsSent     catch-up requests this host announced, since start
 * @param requestsAnswered catch-up requests of other hosts this host answered, since start
 * @param reannounced      bans and unbans this host announced again in answers, since start
 * @param recovered        bans announced again by other hosts that ran here, since start
 */
public record LedgerSummary(int entries, int max, int inForce, int awaitingAction, long refused,
                            Optional<String> writeFailure, long requestsSent, long requestsAnswered,
                            long reannounced, long recovered) {
}
