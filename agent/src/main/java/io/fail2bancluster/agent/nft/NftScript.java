package io.fail2bancluster.agent.nft;

import io.fail2bancluster.config.NftablesConfig;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nft text of the one table the agent owns: its sets, its chain, and the statements that assert them
 * again without losing a set's elements. Every statement names the table, so nothing here can reach another.
 *
 * <pre>
 * table inet fail2ban_cluster {
 *     set ch_Fail2ban_v4 { type ipv4_addr; flags timeout; }
 *     set ch_Fail2ban_v4_net { type ipv4_addr; flags interval, timeout; }
 *     set ch_Fail2ban_v6 { type ipv6_addr; flags timeout; }
 *     set ch_Fail2ban_v6_net { type ipv6_addr; flags interval, timeout; }
 *     chain input {
 *         type filter hook input priority -10; policy accept;
 *         ip saddr @ch_Fail2ban_v4 drop
 *         ...
 *     }
 * }
 * </pre>
 * Single addresses, nearly every ban, go into plain hash sets; CIDR blocks into interval sets. nft 1.0.6 reads
 * a whole interval set back for its overlap check on every transaction that touches it (about 0.9 s at 100,000
 * elements here), while a hash set takes one element in milliseconds whatever its size.
 */
public final class NftScript {
    /** The one chain of the table. */
    public static final String CHAIN = "input";

    private final NftablesConfig config;
    private final List<String> stems;

    /** @param channels the names of the {@code enforce: nftables} channels */
    public NftScript(NftablesConfig config, Collection<String> channels) {
        this.config = config;
        this.stems = channels.stream().map(NftablesConfig::setStem).distinct().sorted().toList();
    }

    public NftablesConfig config() {
        return config;
    }

    /** The set a channel's single addresses of one family go into. */
    public static String setName(String channel, boolean ipv6) {
        return NftablesConfig.setStem(channel) + (ipv6 ? "_v6" : "_v4");
    }

    /** The set {@code element} of {@code channel} goes into: by family, and address or block. */
    public static String setOf(String channel, io.fail2bancluster.config.AddressRange element) {
        return setName(channel, element.canonical().indexOf(':') >= 0) + (element.isSingleAddress() ? "" : NET);
    }

    private static final String NET = "_net";

    /** Every set of the table, in order. */
    public List<String> sets() {
        return stems.stream().flatMap(s -> java.util.stream.Stream.of(s + "_v4", s + "_v4" + NET, s + "_v6",
                s + "_v6" + NET)).toList();
    }

    /** {@code inet fail2ban_cluster} */
    public String table() {
        return "inet " + config.table();
    }

    /** The table as {@code nft list table} would show it, for {@code check}. */
    public String definition() {
        StringBuilder out = new StringBuilder("table ").append(table()).append(" {\n");
        for (String set : sets()) {
            out.append("\tset ").append(set).append(" { ").append(setBody(set)).append(" }\n");
        }
        out.append("\tchain ").append(CHAIN).append(" {\n\t\t").append(chainBody()).append('\n');
        rules().forEach(rule -> out.append("\t\t").append(rule).append('\n'));
        return out.append("\t}\n}\n").toString();
    }

    /**
     * Statements that make the table what {@link #definition()} says, in one transaction: the table and its
     * sets are added if missing (an existing set keeps its elements), the chain is replaced whole, and
     * {@code stale} sets (of channels no longer configured) are deleted after it.
     */
    public String assertion(Collection<String> stale) {
        StringBuilder out = new StringBuilder("add table ").append(table()).append('\n');
        for (String set : sets()) {
            out.append("add set ").append(table()).append(' ').append(set).append(" { ").append(setBody(set)).append(" }\n");
        }
        String chain = "chain " + table() + " " + CHAIN;
        // add-then-delete: deleting a chain that is not there would fail the whole transaction
        out.append("add ").append(chain).append(" { ").append(chainBody()).append(" }\n");
        out.append("delete ").append(chain).append('\n');
        out.append("add ").append(chain).append(" { ").append(chainBody()).append(" }\n");
        rules().forEach(rule -> out.append("add rule ").append(table()).append(' ').append(CHAIN).append(' ')
                .append(rule).append('\n'));
        for (String set : stale) {
            out.append("delete set ").append(table()).append(' ').append(set).append('\n');
        }
        return out.toString();
    }

    /** Deletes the table: the package's purge, never the agent's stop. */
    public String removal() {
        return "delete table " + table() + "\n";
    }

    /** By the suffix this class gave it, whatever the channel's name holds. */
    private static boolean isV6(String set) {
        return set.endsWith("_v6") || set.endsWith("_v6" + NET);
    }

    private static String setBody(String set) {
        return "type " + (isV6(set) ? "ipv6_addr" : "ipv4_addr") + "; flags " + (set.endsWith(NET) ? "interval, " : "")
                + "timeout;";
    }

    private String chainBody() {
        return "type filter hook input priority " + config.priority() + "; policy accept;";
    }

    private List<String> rules() {
        String ports = config.ports().isEmpty() ? "" : "meta l4proto { tcp, udp } th dport { "
                + config.ports().stream().map(String::valueOf).collect(Collectors.joining(", ")) + " } ";
        return sets().stream()
                .map(set -> ports + (isV6(set) ? "ip6" : "ip") + " saddr @" + set + " drop")
                .toList();
    }
}
