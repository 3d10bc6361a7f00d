package io.fail2bancluster.protocol;

/**
 * One line a fanout server sends to a client, split into what it means: the one model of the server's lines,
 * for both directions. The broker writes them ({@link ServerLineEncoder}; its deliveries, many channel messages
 * in one buffer, through {@link ServerLineEncoder#writeChannelMessage}); the agent reads them
 * ({@link ServerLineDecoder}) and the client's plain socket through {@link #parse}.
 */
public sealed interface ServerLine permits ServerLine.ChannelMessage, ServerLine.PingReply,
        ServerLine.DebugLine, ServerLine.InfoLine, ServerLine.UnknownLine {

    /** The line as the server writes it, without its {@code \n}. */
    String line();

    /**
     * Parses one line (without its {@code \n}). A {@code !} makes a channel line (split at the first
     * one; channel {@code debug} is the server's own), a bare number a ping reply, {@code key: value}
     * an info line; anything else is kept as an {@link UnknownLine} so that nothing vanishes unseen.
     */
    static ServerLine parse(String line) {
        int bang = line.indexOf('!');
        if (bang >= 0) {
            String channel = line.substring(0, bang);
            String message = line.substring(bang + 1);
            return Wire.DEBUG_CHANNEL.equals(channel) ? new DebugLine(message) : new ChannelMessage(channel, message);
        }
        if (isDigits(line)) {
            try {
                return new PingReply(Long.parseLong(line));
            } catch (NumberFormatException tooLong) {
                return new UnknownLine(line);
            }
        }
        int colon = line.indexOf(": ");
        if (colon > 0) {
            return new InfoLine(line.substring(0, colon), line.substring(colon + 2));
        }
        return new UnknownLine(line);
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code <channel>!<message>}: an announce delivered on a subscribed channel. */
    record ChannelMessage(String channel, String message) implements ServerLine {
        @Override
        public String line() {
            return channel + '!' + message;
        }
    }

    /** The answer to {@code ping}: the server's clock in unix seconds. */
    record PingReply(long epochSeconds) implements ServerLine {
        @Override
        public String line() {
            return Long.toString(epochSeconds);
        }
    }

    /** {@code debug!<text>}: the greeting ({@code connected...}) or {@code busy}. */
    record DebugLine(String text) implements ServerLine {
        /** The first line on every connection. */
        public static final DebugLine GREETING = new DebugLine("connected...");
        /** The only line on a connection past the server's client limit, before it closes. */
        public static final DebugLine BUSY = new DebugLine("busy");

        public boolean isGreeting() {
            return equals(GREETING);
        }

        public boolean isBusy() {
            return equals(BUSY);
        }

        @Override
        public String line() {
            return Wire.DEBUG_CHANNEL + '!' + text;
        }
    }

    /** {@code key: value}: one line of the answer to {@code info}. */
    record InfoLine(String key, String value) implements ServerLine {
        @Override
        public String line() {
            return key + ": " + value;
        }
    }

    /** A line that fits none of the shapes above. */
    record UnknownLine(String text) implements ServerLine {
        @Override
        public String line() {
            return text;
        }
    }
}
