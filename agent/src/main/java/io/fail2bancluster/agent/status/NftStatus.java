package io.fail2bancluster.agent.status;

import java.util.Map;

/**
 * The agent's nftables table, for status and metrics.
 *
 * @param table          e.g. {@code inet fail2ban_cluster}
 * @param elements       per set, the elements this agent holds in force there
 * @param batches        {@code nft -f} transactions written
 * @param applied        element operations the kernel took
 * @param failed         element operations nft refused (each logged with its message)
 * @param dropped        operations refused because the queue was full
 * @param repairs        times the table was found flushed or changed and rebuilt
 * @param lastApplyMicros the last batch's time from the first operation's arrival to nft's answer
 * @param maxApplyMicros the longest such time since start
 * @param queued         operations waiting now
 */
public record NftStatus(String table, Map<String, Integer> elements, long batches, long applied, long failed,
                        long dropped, long repairs, long lastApplyMicros, long maxApplyMicros, int queued) {
    public NftStatus {
        elements = Map.copyOf(elements);
    }
}
