package io.fail2bancluster.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The top-level {@code nftables:} block: the one table the agent owns for its {@code enforce: nftables}
 * channels. The agent creates, repairs and fills only this table; every other table is left alone.
 *
 * @param table     the table's name, in family {@code inet} (default {@link #DEFAULT_TABLE})
 * @param priority  the input chain's priority (default -10: before a filter chain at priority 0)
 * @param ports     when not empty, only traffic to these TCP and UDP ports is dropped; empty drops all of it
 * @param reconcile how often the agent checks the table and repairs what was flushed or changed (default 60 s)
 */
public record NftablesConfig(String table, int priority, List<Integer> ports, Duration reconcile) {
    /** What nft accepts as an identifier, kept short and plain so it needs no quoting anywhere. */
    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
    public static final String DEFAULT_TABLE = "fail2ban_cluster";
    public static final int DEFAULT_PRIORITY = -10;
    public static final Duration DEFAULT_RECONCILE = Duration.ofSeconds(60);
    public static final NftablesConfig DEFAULTS = new NftablesConfig(DEFAULT_TABLE, DEFAULT_PRIORITY, List.of(),
            DEFAULT_RECONCILE);

    public NftablesConfig {
        if (!IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("table must be a letter then up to 63 letters, digits or '_', got '"
                    + table + "'");
        }
        ports = List.copyOf(ports);
        for (int port : ports) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port must be from 1 to 65535, got " + port);
            }
        }
        if (reconcile.isNegative() || reconcile.isZero()) {
            throw new IllegalArgumentException("reconcile must be positive");
        }
    }

    /**
     * The set name stem of a channel: its name with every character nft would need quoted as {@code _}, prefixed
     * so it starts with a letter. Two channels whose stems collide are refused at load.
     */
    public static String setStem(String channel) {
        StringBuilder stem = new StringBuilder("ch_");
        channel.chars().forEach(c -> stem.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? (char) c : '_'));
        return stem.toString();
    }
}
