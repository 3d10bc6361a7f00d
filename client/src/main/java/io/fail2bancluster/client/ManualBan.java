package io.fail2bancluster.client;

import io.fail2bancluster.config.AddressRange;
import java.util.Locale;

/**
 * What {@code ban}, {@code unban} and {@code import} put in a message, checked before anything is sent: the
 * address or CIDR block in its one spelling, the ban's duration in fail2ban's seconds, the reason as one value.
 * The messages are the ones fail2ban's action sends ({@code jail=J, action=banip, ip=A, source=H, bantime=S}),
 * so every agent runs a manual ban exactly as it runs fail2ban's.
 */
final class ManualBan {
    /**
     * A jail every host runs, with the shipped config: its channel's filter lets {@code jail=sshd} through (and
     * its action bans in {@code sshd-cluster}), and sshd is the jail fail2ban enables by default. A manual ban
     * in a jail the receivers' filter does not list is filtered out, so it must name one they do.
     */
    static final String DEFAULT_JAIL = "sshd";
    /** As {@code cscli decisions add}: long enough to matter, short enough that a mistake ends by itself. */
    static final String DEFAULT_DURATION = "4h";
    static final long PERMANENT = -1;
    /** The key a manual ban's reason travels in; receivers' actions may use it as {@code %reason%}. */
    static final String REASON_KEY = "reason";
    /** A reason longer than this is refused: it is a note for operators, and agents drop long values. */
    static final int MAX_REASON = 200;

    private ManualBan() {
    }

    /**
     * An address or CIDR block in its canonical spelling ({@code 2001:DB8::1} becomes {@code 2001:db8::1},
     * {@code 192.0.2.7/32} becomes {@code 192.0.2.7}). A host address written with a prefix is refused with
     * both forms it may have meant.
     *
     * @throws IllegalArgumentException what is wrong, for an error line
     */
    static AddressRange address(String text) {
        AddressRange range;
        try {
            range = AddressRange.parse(text);
        } catch (IllegalArgumentException e) {
            String trimmed = text.strip();
            int slash = trimmed.indexOf('/');
            if (slash > 0 && e.getMessage().contains("bits set after the prefix")) {
                // a host address with its network's prefix (10.0.0.5/24): it has one of two meanings
                String host = AddressRange.parse(trimmed.substring(0, slash)).canonical();
                throw new IllegalArgumentException(e.getMessage().replace("?", " (the block), or " + host
                        + " (the one address)?"), e);
            }
            throw e;
        }
        return range.normalised();
    }

    /**
     * A duration as fail2ban's {@code bantime}: seconds ({@code 600}), or a number with {@code s}, {@code m},
     * {@code h}, {@code d} or {@code w} ({@code 10m}, {@code 4h}, {@code 7d}), or {@code permanent} (-1).
     */
    static long bantime(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("permanent") || t.equals("-1")) {
            return PERMANENT;
        }
        long unit = 1;
        if (!t.isEmpty() && "smhdw".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = switch (t.charAt(t.length() - 1)) {
                case 'm' -> 60;
                case 'h' -> 3600;
                case 'd' -> 86_400;
                case 'w' -> 7 * 86_400;
                default -> 1;
            };
            t = t.substring(0, t.length() - 1);
        }
        long amount;
        try {
            amount = t.isEmpty() || t.length() > 12 || !t.chars().allMatch(Character::isDigit) ? -1 : Long.parseLong(t);
        } catch (NumberFormatException e) {
            amount = -1;
        }
        if (amount <= 0) {
            throw new IllegalArgumentException("--duration expects seconds (600), a number with s, m, h, d or w "
                    + "(10m, 4h, 7d) or permanent, more than 0; got " + text);
        }
        return Math.multiplyExact(amount, unit);
    }

    /** A bantime as an operator reads it: {@code for 4h}, {@code for 90 s}, {@code permanently}. */
    static String describe(long bantime) {
        if (bantime < 0) {
            return "permanently";
        }
        for (long[] unit : new long[][] {{86_400, 'd'}, {3600, 'h'}, {60, 'm'}}) {
            if (bantime % unit[0] == 0) {
                return "for " + bantime / unit[0] + (char) unit[1];
            }
        }
        return "for " + bantime + " s";
    }

    /** {@code reason} as a message value: one line, no {@code ,} (it separates pairs), not too long. */
    static String reason(String text) {
        String reason = text.strip();
        if (reason.indexOf(',') >= 0) {
            throw new IllegalArgumentException("--reason cannot hold ',' (it separates a message's pairs); "
                    + "write ';' instead");
        }
        if (reason.isEmpty() || reason.length() > MAX_REASON) {
            throw new IllegalArgumentException("--reason must be 1 to " + MAX_REASON + " characters, got "
                    + reason.length());
        }
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("--reason cannot hold control characters");
            }
        }
        return reason;
    }

    /** fail2ban's action's ban, with the reason last when there is one. */
    static String banMessage(String jail, AddressRange address, String source, long bantime, String reason) {
        StringBuilder message = new StringBuilder(96).append("jail=").append(jail).append(", action=banip, ip=")
                .append(address.canonical()).append(", source=").append(source).append(", bantime=").append(bantime);
        if (reason != null) {
            message.append(", ").append(REASON_KEY).append('=').append(reason);
        }
        return message.toString();
    }

    /** fail2ban's action's unban. */
    static String unbanMessage(String jail, AddressRange address, String source) {
        return "jail=" + jail + ", action=unbanip, ip=" + address.canonical() + ", source=" + source;
    }

    /** A jail name as a message value: no {@code ,}, {@code =}, space or control character. */
    static String jail(String text) {
        if (text.isEmpty() || text.length() > 100 || !text.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ','
                && c != '=')) {
            throw new IllegalArgumentException("--jail expects a fail2ban jail name (printable, no space, ',' or '='), "
                    + "got '" + text + "'");
        }
        return text;
    }
}
