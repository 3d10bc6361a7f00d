/**
 * The ledger: the bans in force this host knows of, kept in {@code state_dir} ({@link
 * io.fail2bancluster.agent.ledger.Ledger}). It serves three features:
 * <ul>
 * <li>catch-up over fanout (issue 19): {@link io.fail2bancluster.agent.ledger.Ledger#since} gives what a host
 *     announces again in answer to a request, {@link io.fail2bancluster.agent.ledger.Ledger#admit} says whether
 *     a ban that arrives (again) runs, so a re-announced ban runs once, and an ended or unbanned one never;</li>
 * <li>retries of failed actions (issue 24): a ban is {@code PENDING} until
 *     {@link io.fail2bancluster.agent.ledger.Ledger#applied}, an unban that is due {@code UNBAN_PENDING} until
 *     {@link io.fail2bancluster.agent.ledger.Ledger#unbanned}; {@link
 *     io.fail2bancluster.agent.ledger.Ledger#awaitingAction} lists them, after a restart too;</li>
 * <li>{@code bans} (issue 21): {@link io.fail2bancluster.agent.ledger.Ledger#inForce} by channel, jail and
 *     address, ranges covering an address included.</li>
 * </ul>
 * The message path's use, in order: a ban from a server: {@code admit}; when it says {@code RUN}, run the action
 * and on success {@code applied} (which may answer that an unban is due now). A ban this host made:
 * {@code applied}. An unban: {@code revoke}, then when the revocation is {@code UNBAN_PENDING} run the unban
 * and on success {@code unbanned}. {@code LedgerFullException} means "not remembered", never "do not run".
 *
 * <p>Depends on config (address ranges) and nothing of the agent: the agent uses it, not the other way.
 */
package io.fail2bancluster.agent.ledger;
