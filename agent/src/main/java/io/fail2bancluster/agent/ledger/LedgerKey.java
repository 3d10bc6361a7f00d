package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.config.AddressRange;
import java.util.Objects;

/**
 * What the ledger keys a ban by: the channel it came on, its jail and its address or CIDR block, the latter
 * normalised ({@link AddressRange#canonical()}), so {@code 2001:DB8::1}, {@code 2001:db8:0::1} and
 * {@code ::ffff:192.0.2.7} / {@code 192.0.2.7} each name one key. Channel and jail names are interned:
 * a fleet has a handful of each, and a ledger of many bans holds one copy.
 */
public record LedgerKey(String channel, String jail, AddressRange address) {
    public LedgerKey {
        channel = Objects.requireNonNull(channel, "channel").intern();
        jail = Objects.requireNonNull(jail, "jail").intern();
        address = Objects.requireNonNull(address, "address").normalised();
    }

    /**
     * The key of a ban on {@code address} (an address or CIDR block, as a message carries it).
     *
     * @throws IllegalArgumentException saying what is wrong with {@code address}
     */
    public static LedgerKey of(String channel, String jail, String address) {
        return new LedgerKey(channel, jail, AddressRange.parse(address));
    }

    @Override
    public String toString() {
        return channel + " " + jail + " " + address.canonical();
    }
}
