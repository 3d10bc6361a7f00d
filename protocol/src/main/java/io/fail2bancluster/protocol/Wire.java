package io.fail2bancluster.protocol;

/**
 * Facts about the fanout wire format that every side agrees on, and the checks that keep a
 * caller from writing anything but one well-formed command line.
 */
public final class Wire {
    /** fanout's default port. */
    public static final int DEFAULT_PORT = 1986;
    /** Longest line we buffer by default; fanout itself has no limit. */
    public static final int DEFAULT_MAX_LINE = 64 * 1024;
    /** Every client is subscribed to this channel. */
    public static final String ALL_CHANNEL = "all";
    /** The server's own channel (greeting, busy). */
    public static final String DEBUG_CHANNEL = "debug";
    /** {@link ServerLine.DebugLine#GREETING} as text. */
    public static final String GREETING = ServerLine.DebugLine.GREETING.line();
    /** {@link ServerLine.DebugLine#BUSY} as text. */
    public static final String BUSY = ServerLine.DebugLine.BUSY.line();

    private Wire() {
    }

    /**
     * A channel must be one token of a command line: no {@code !} (the server splits
     * {@code channel!message} at the first one), no space (it ends the token), no CR, LF or NUL
     * (they would end or cut the line in the C server).
     */
    public static String requireChannel(String channel) {
        if (channel == null || channel.isEmpty()) {
            throw new IllegalArgumentException("channel must not be empty");
        }
        for (int i = 0; i < channel.length(); i++) {
            char c = channel.charAt(i);
            if (c == '!' || c == ' ' || c == '\r' || c == '\n' || c == '\0') {
                throw new IllegalArgumentException(
                        "channel " + quote(channel) + " contains " + describe(c) + " at index " + i
                                + "; a channel may not contain '!', space, CR, LF or NUL");
            }
        }
        return channel;
    }

    /**
     * A message is the rest of one line: anything but CR, LF and NUL. An empty message is refused
     * because fanout silently drops it, so sending one could never be confirmed.
     */
    public static String requireMessage(String message) {
        if (message == null || message.isEmpty()) {
            throw new IllegalArgumentException("message must not be empty (fanout drops empty announces)");
        }
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                throw new IllegalArgumentException(
                        "message contains " + describe(c) + " at index " + i
                                + "; a message may not contain CR, LF or NUL");
            }
        }
        return message;
    }

    static String describe(char c) {
        return switch (c) {
            case '\r' -> "a carriage return (CR)";
            case '\n' -> "a newline (LF)";
            case '\0' -> "a NUL byte";
            case ' ' -> "a space";
            default -> "'" + c + "'";
        };
    }

    /** Quotes a value for an error message, showing control characters instead of obeying them. */
    public static String quote(CharSequence value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        int shown = Math.min(value.length(), 200);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (value.length() > shown) {
            sb.append("...(").append(value.length()).append(" chars)");
        }
        return sb.append('"').toString();
    }
}
