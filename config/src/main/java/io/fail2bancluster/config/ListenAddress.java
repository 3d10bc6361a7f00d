package io.fail2bancluster.config;

import io.netty.util.NetUtil;

/**
 * Where a local listener binds: {@code PORT} (on loopback), {@code HOST:PORT} or {@code [IPv6]:PORT}.
 * Checked for shape only: a host name is looked up when the listener binds, never while the config is
 * read (the client reads the same file on every ban).
 *
 * @param host an IPv4 or IPv6 literal (without brackets) or a host name
 * @param port 1 to 65535
 */
public record ListenAddress(String host, int port) {
    /** A bare port listens here: only local scrapers (or a local proxy) can reach it. */
    public static final String LOOPBACK = "127.0.0.1";

    /** @throws IllegalArgumentException saying what is wrong with {@code text} */
    public static ListenAddress parse(String text) {
        String trimmed = text.strip();
        if (isDigits(trimmed)) {
            return new ListenAddress(LOOPBACK, port(trimmed, text));
        }
        String host;
        String port;
        if (trimmed.startsWith("[")) {
            int close = trimmed.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "': expected [IPv6]:PORT, like [::1]:9100");
            }
            host = trimmed.substring(1, close);
            port = trimmed.substring(close + 2);
            if (!NetUtil.isValidIpV6Address(host) || host.indexOf('%') >= 0) {
                throw new IllegalArgumentException("'" + text + "': " + host + " is not an IPv6 address");
            }
        } else {
            int colon = trimmed.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "': expected PORT, HOST:PORT or [IPv6]:PORT, like 9100 "
                        + "or 127.0.0.1:9100");
            }
            host = trimmed.substring(0, colon);
            port = trimmed.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("'" + text + "': write an IPv6 address in brackets, like [::1]:9100");
            }
            if (!NetUtil.isValidIpV4Address(host) && !isHostName(host)) {
                throw new IllegalArgumentException("'" + text + "': '" + host + "' is neither an IP address nor a host name");
            }
        }
        return new ListenAddress(host, port(port, text));
    }

    private static int port(String digits, String text) {
        if (!isDigits(digits) || digits.length() > 5 || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
            throw new IllegalArgumentException("'" + text + "': the port must be 1 to 65535");
        }
        return Integer.parseInt(digits);
    }

    private static boolean isDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * RFC 1123 shape: dot-separated labels of letters, digits and inner hyphens, 253 characters at most,
     * the last one not all digits (so a mistyped address such as 127.0.0.256 is not taken for a name).
     */
    private static boolean isHostName(String host) {
        String[] labels = host.split("\\.", -1);
        if (host.isEmpty() || host.length() > 253 || isDigits(labels[labels.length - 1])) {
            return false;
        }
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
                    || !label.chars().allMatch(c -> c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }

    /** As it would be written in the config: {@code 127.0.0.1:9100}, {@code [::1]:9100}. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
