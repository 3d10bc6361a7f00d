package io.fail2bancluster.agent.status;

/**
 * What became of each channel message a server delivered. Every message received ends in exactly
 * one of the other counters (or is still in flight), so {@code received} is their sum once the agent
 * is quiet: nothing vanishes uncounted.
 */
public enum Counter {
    /** A {@code <channel>!<message>} line arrived from the server. */
    RECEIVED("received"),
    /** Not a configured channel, or a filter entry did not accept it. */
    FILTERED_OUT("filtered_out"),
    /**
     * Another server already delivered this copy inside the dedupe window; or, with a ledger, the ban is one
     * this host ran already (announced again by catch-up), that has ended or was unbanned, or an unban of a
     * ban that never ran here.
     */
    DEDUPLICATED("deduplicated"),
    /**
     * Not run because of the message itself: past max_pairs or max_value_length, a control character,
     * a bad or missing signature, a placeholder the action needs missing, a value starting with '-'.
     */
    REJECTED("rejected"),
    /** The action ran and exited with status 0. */
    EXECUTED("executed"),
    /** The action exited with another status, or could not be started at all. */
    FAILED("failed"),
    /** The action ran past exec_timeout and was killed with its children. */
    TIMED_OUT("timed_out"),
    /** The exec queue was full; not run. */
    DROPPED("dropped"),
    /**
     * A handler threw while the message was on its way (a bug of ours, never a property of the message);
     * nothing more happened to it, and the connection stayed up (fanout's last handler, {@code UnhandledErrorHandler}, counts them).
     */
    ERRORS("errors");

    private final String key;

    Counter(String key) {
        this.key = key;
    }

    /** The name used in status output and metrics. */
    public String key() {
        return key;
    }
}
