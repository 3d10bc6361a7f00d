package io.fail2bancluster.agent.nft;

/** Hands nft a script: {@link NftProcess} in production, a recording fake in tests. Blocks; never on the loop. */
public interface NftCommand {
    /** @return null when nft applied the whole script (one transaction), else what nft said */
    String run(String script);

    /**
     * @param table e.g. {@code inet fail2ban_cluster}
     * @return {@code nft list table}, elements included (read with {@link NftListing}), or null when it is not there
     */
    String list(String table);

    /** Ends what it keeps running (a long-lived nft); on the thread that used it. */
    default void close() {
    }
}
