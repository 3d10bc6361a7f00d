package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.config.AddressRange;
import java.util.Objects;

/**
 * What the ledger keys a ban by: the channel it came on, its jail and its address or CIDR block, the latter
 * normalised ({@link AddressRange#canonical()}), so {@code 2001:DB8::1}, {@code 2001:db8:0::1} and
 * {@code ::ffff:192.0.2.7} / {@code 192.0.2.7} each name one key. Channel and jail names are interned:
 * a fleet has a handful of each, and a ledger of many bans holds one copy.
 */
public record LedgerKey(String channel, String jail, AddressRange address) implements Comparable<LedgerKey> {
    /** The longest channel, jail or host name the ledger keeps; far above any real one, within its file format. */
    public static final int MAX_NAME = 4096;

    public LedgerKey {
        channel = name("channel", channel);
        jail = name("jail", jail);
        address = Objects.requireNonNull(address, "address").normalised();
    }

    /** {@code value}, interned, once it is known to fit the ledger. */
    static String name(String what, String value) {
        Objects.requireNonNull(value, what);
        if (value.length() > MAX_NAME) {
            throw new IllegalArgumentException("a " + what + " name of " + value.length() + " characters; the ledger "
                    + "keeps names of up to " + MAX_NAME);
        }
        return value.intern();
    }

    /** By channel, jail, then address as a number. */
    @Override
    public int compareTo(LedgerKey other) {
        int byChannel = channel.compareTo(other.channel);
        int byJail = byChannel != 0 ? byChannel : jail.compareTo(other.jail);
        return byJail != 0 ? byJail : address.compareTo(other.address);
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
