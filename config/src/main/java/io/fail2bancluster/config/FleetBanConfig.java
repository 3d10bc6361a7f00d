package io.fail2bancluster.config;

import java.time.Duration;
import java.util.List;

/**
 * A channel's {@code fleet_ban}: the fleet counts the failures its hosts report as {@code action=attempt}
 * messages, and every agent bans an address once {@code attempts} of them arrived within {@code findtime}
 * from at least {@code hosts} distinct sources, though no single host saw enough to ban it.
 *
 * @param path       where it stands in the file, e.g. {@code servers[0].channels[0].fleet_ban}
 * @param attempts   failures within {@code findtime}, summed over every source
 * @param hosts      distinct sources among them
 * @param findtime   the sliding window the failures are counted in
 * @param bantime    what the fleet ban carries as {@code bantime=} (whole seconds)
 * @param maxTracked addresses counted at once; past it the least recently reported one is forgotten
 */
public record FleetBanConfig(String path, int attempts, int hosts, Duration findtime, Duration bantime,
                             int maxTracked) {
    /** A tracked address costs a few hundred bytes with a handful of sources: 100,000 is some tens of MB at worst. */
    public static final int DEFAULT_MAX_TRACKED = 100_000;
    public static final int MAX_MAX_TRACKED = 10_000_000;
    public static final Duration DEFAULT_FINDTIME = Duration.ofMinutes(10);
    public static final Duration DEFAULT_BANTIME = Duration.ofHours(1);
    /** The action word of a report; never run as an action. */
    public static final String ATTEMPT = "attempt";
    /** The action word a fleet ban runs with. */
    public static final String BAN = "banip";

    public FleetBanConfig {
        if (attempts < 1 || hosts < 1 || hosts > attempts) {
            throw new IllegalArgumentException("need 1 <= hosts <= attempts, got hosts " + hosts + ", attempts " + attempts);
        }
        if (findtime.isNegative() || findtime.isZero() || bantime.getSeconds() < 1) {
            throw new IllegalArgumentException("findtime must be positive and bantime at least 1 s");
        }
        if (maxTracked < 1) {
            throw new IllegalArgumentException("max_tracked must be at least 1, got " + maxTracked);
        }
    }

    /** What counts, without where the file put it: a reload compares this. */
    List<Object> acting() {
        return List.of(attempts, hosts, findtime, bantime, maxTracked);
    }

    /**
     * Reads {@code fleet_ban:} of a channel with this {@code action} and these {@code filters}: the fleet ban
     * runs that action as {@code action=banip}, so the channel must have one, and a filter on {@code action}
     * must let {@code banip} through.
     */
    static FleetBanConfig read(ConfigNode node, boolean acts, List<FilterEntry> filters) {
        ConfigMapping m = node.mapping();
        int attempts = m.required("attempts").integer(1, 1_000_000);
        ConfigNode hostsNode = m.required("hosts");
        int hosts = hostsNode.integer(1, 100_000);
        Duration findtime = m.seconds("findtime", DEFAULT_FINDTIME);
        Duration bantime = m.seconds("bantime", DEFAULT_BANTIME);
        int maxTracked = m.integer("max_tracked", DEFAULT_MAX_TRACKED, 1, MAX_MAX_TRACKED);
        m.finish();
        if (hosts > attempts) {
            throw hostsNode.error("must not be more than attempts (" + attempts + "): each host reports at least one");
        }
        if (bantime.getSeconds() < 1 || bantime.getNano() != 0) {
            throw m.error("bantime", "must be whole seconds, at least 1 (fail2ban's bantime)");
        }
        if (!acts) {
            throw node.error("needs the channel's action or enforce: nftables: a fleet ban runs as action=" + BAN);
        }
        for (FilterEntry f : filters) {
            if (f.key().equals("action") && !f.accepts(BAN)) {
                throw node.error("the channel's filter " + f.path() + " refuses action=" + BAN
                        + ", the action a fleet ban runs with");
            }
        }
        return new FleetBanConfig(node.path(), attempts, hosts, findtime, bantime, maxTracked);
    }
}
