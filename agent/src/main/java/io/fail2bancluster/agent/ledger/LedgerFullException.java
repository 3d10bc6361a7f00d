package io.fail2bancluster.agent.ledger;

/**
 * The ledger holds {@code ledger_max} entries, none of them expired: it refuses to remember a new key rather
 * than drop one in force. The caller still acts on the ban; only the memory of it is missing.
 */
public final class LedgerFullException extends Exception {
    LedgerFullException(int max, LedgerKey refused) {
        super("the ledger is full (ledger_max " + max + " entries, none expired): " + refused
                + " is not remembered; raise ledger_max");
    }
}
