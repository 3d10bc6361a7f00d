package io.fail2bancluster.agent.ledger;

/** What the ledger says of a ban that arrives (new, or announced again by catch-up): run it or not, and why. */
public enum Verdict {
    /** Unknown to this host, or newer than what it holds for the key: run the action. */
    RUN,
    /** This host ran it (or made it) already: announced again, it runs nothing. */
    APPLIED,
    /** This host knows it and has not run it successfully yet: the retry owns it, the copy runs nothing. */
    PENDING,
    /** It was unbanned: never run. */
    REVOKED,
    /** It has ended: never run. */
    EXPIRED,
    /** The ledger holds a newer ban for the same key: this older one runs nothing. */
    SUPERSEDED;

    /** Whether the action is to run. */
    public boolean runs() {
        return this == RUN;
    }
}
