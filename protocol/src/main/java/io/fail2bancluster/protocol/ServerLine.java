package io.fail2bancluster.protocol;

/** One line a fanout server sends to a client, already split into what it means. */
public sealed interface ServerLine permits ServerLine.ChannelMessage, ServerLine.PingReply,
        ServerLine.DebugLine, ServerLine.InfoLine, ServerLine.UnknownLine {

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
    }

    /** The answer to {@code ping}: the server's clock in unix seconds. */
    record PingReply(long epochSeconds) implements ServerLine {
    }

    /** {@code debug!<text>}: the greeting ({@code connected...}) or {@code busy}. */
    record DebugLine(String text) implements ServerLine {
        public boolean isGreeting() {
            return "connected...".equals(text);
        }

        public boolean isBusy() {
            return "busy".equals(text);
        }
    }

    /** {@code key: value}: one line of the answer to {@code info}. */
    record InfoLine(String key, String value) implements ServerLine {
    }

    /** A line that fits none of the shapes above. */
    record UnknownLine(String text) implements ServerLine {
    }
}
