package io.fail2bancluster.client;

import io.fail2bancluster.config.AddressRange;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/**
 * One ban in force, as {@code bans} lists it: an address or block, its jail, the host that made it, when it
 * started and when it ends (empty: permanent), and the channel it came on.
 */
record BanRow(AddressRange address, String jail, String source, Instant since, Optional<Instant> until,
              String channel) {

    /** By when it ends (permanent last), then address and jail: what ends soonest first, as an operator scans. */
    static final Comparator<BanRow> BY_UNTIL = Comparator
            .comparing((BanRow row) -> row.until().orElse(Instant.MAX))
            .thenComparing(BanRow::address)
            .thenComparing(BanRow::jail);

    /** Whether this ban covers {@code query} (an address, or a block inside this one). */
    boolean covers(AddressRange query) {
        return address.contains(query);
    }

    /** Of two rows for one (jail, address): the one that holds longer. */
    static BanRow longer(BanRow a, BanRow b) {
        return a.until().orElse(Instant.MAX).compareTo(b.until().orElse(Instant.MAX)) >= 0 ? a : b;
    }
}
