package io.fail2bancluster.config;

import io.netty.util.NetUtil;
import java.util.Arrays;

/**
 * An address or CIDR block ({@code 192.0.2.7}, {@code 10.0.0.0/8}, {@code 2001:db8::/32}) for
 * {@code ignore_ip}. Only literals: nothing here ever looks a name up. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:192.0.2.7}) are treated as the IPv4 address they carry, both in a range and in a
 * message, so that spelling cannot slip past an IPv4 range.
 *
 * <p>{@link #canonical()} is the one spelling of a range (lower case, IPv6 compressed, IPv4-mapped written as
 * IPv4, no {@code /32} or {@code /128} on a single address): what the ledger keys its bans by and what the
 * client prints. A range written that way keeps no copy of its text, so a ledger of many costs little.
 */
public final class AddressRange implements Comparable<AddressRange> {
    /** The text as written, or null when it was written canonically. */
    private final String text;
    private final byte[] network;
    private final int prefix;

    private AddressRange(String text, byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
        this.text = text.equals(canonical()) ? null : text;
    }

    /** @throws IllegalArgumentException saying what is wrong with {@code text} */
    public static AddressRange parse(String text) {
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address or CIDR block "
                    + "(like 192.0.2.7, 10.0.0.0/8 or 2001:db8::/32; names are not looked up)");
        }
        boolean mapped = bytes.length == 4 && address.indexOf(':') >= 0;
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = trimmed.substring(slash + 1);
            int max = mapped ? 128 : bits;
            if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(length) > max) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + max);
            }
            prefix = Integer.parseInt(length);
            if (mapped) {
                if (prefix < 96) {
                    throw new IllegalArgumentException("'" + text + "': an IPv4-mapped block needs a prefix of at least 96");
                }
                prefix -= 96;
            }
        }
        byte[] network = mask(bytes, prefix);
        if (!Arrays.equals(network, bytes)) {
            throw new IllegalArgumentException("'" + text + "' has bits set after the prefix; did you mean "
                    + NetUtil.bytesToIpAddress(network) + "/" + (mapped ? prefix + 96 : prefix) + "?");
        }
        return new AddressRange(trimmed, network, prefix);
    }

    /**
     * The address bytes of an IP literal (4 for IPv4, also for IPv4-mapped IPv6; 16 for IPv6), or null
     * when {@code text} is not one. Never resolves a name.
     */
    public static byte[] literal(String text) {
        String address = text.length() > 2 && text.startsWith("[") && text.endsWith("]")
                ? text.substring(1, text.length() - 1) : text;
        if (address.indexOf('%') >= 0) {
            return null; // zone ids name local interfaces, never a remote host
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes != null && bytes.length == 16 && isIpv4Mapped(bytes)) {
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xff00 >> keep);
        }
        return masked;
    }

    /**
     * The one spelling of this range: {@code 192.0.2.7}, {@code 10.0.0.0/8}, {@code 2001:db8::1},
     * {@code 2001:db8::/32}; an IPv4-mapped range is written as the IPv4 range it covers.
     */
    public String canonical() {
        String address = NetUtil.bytesToIpAddress(network);
        return prefix == network.length * 8 ? address : address + "/" + prefix;
    }

    /** This range as {@link #canonical()} spells it. */
    public AddressRange normalised() {
        return text == null ? this : new AddressRange(canonical(), network, prefix);
    }

    /** Whether this range is a single address (a /32 or /128). */
    public boolean isSingleAddress() {
        return prefix == network.length * 8;
    }

    /** Whether {@code other} (an address or a range) lies wholly inside this range. */
    public boolean contains(AddressRange other) {
        return other.network.length == network.length && other.prefix >= prefix
                && Arrays.equals(mask(other.network, prefix), network);
    }

    /** IPv4 before IPv6, then by address as a number (10.0.0.2 before 10.0.0.10), a wider range first. */
    @Override
    public int compareTo(AddressRange other) {
        if (network.length != other.network.length) {
            return Integer.compare(network.length, other.network.length);
        }
        int byAddress = Arrays.compareUnsigned(network, other.network);
        return byAddress != 0 ? byAddress : Integer.compare(prefix, other.prefix);
    }

    /** Whether {@code value} is an address literal inside this range. */
    public boolean contains(String value) {
        byte[] address = value == null ? null : literal(value.strip());
        return address != null && address.length == network.length && Arrays.equals(mask(address, prefix), network);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRange other && prefix == other.prefix && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return text == null ? canonical() : text;
    }
}
