package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.config.AddressRange;
import java.util.Optional;

/**
 * Which entries {@link Ledger#inForce} lists: all, or those of a channel, a jail, and those covering an address
 * or range (a ban of {@code 10.0.0.0/8} covers {@code 10.1.2.3}), as {@code bans -c CHANNEL --jail J --ip A} asks.
 */
public record LedgerQuery(Optional<String> channel, Optional<String> jail, Optional<AddressRange> covering) {
    public static final LedgerQuery ALL = new LedgerQuery(Optional.empty(), Optional.empty(), Optional.empty());

    public LedgerQuery channel(String name) {
        return new LedgerQuery(Optional.of(name), jail, covering);
    }

    public LedgerQuery jail(String name) {
        return new LedgerQuery(channel, Optional.of(name), covering);
    }

    /** @throws IllegalArgumentException when {@code address} is not an address or CIDR block */
    public LedgerQuery covering(String address) {
        return new LedgerQuery(channel, jail, Optional.of(AddressRange.parse(address)));
    }

    boolean matches(LedgerEntry entry) {
        return channel.map(entry.channel()::equals).orElse(true)
                && jail.map(entry.jail()::equals).orElse(true)
                && covering.map(entry.address()::contains).orElse(true);
    }
}
