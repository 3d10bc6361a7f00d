package io.fail2bancluster.protocol;

import java.nio.charset.StandardCharsets;

/**
 * A request a client sends to a fanout server. Each record validates its fields, so a command
 * that exists always encodes to exactly one line.
 */
public sealed interface Command permits Command.Subscribe, Command.Unsubscribe, Command.Announce,
        Command.Ping, Command.Info {

    /** The command line without its terminating {@code \n}. */
    String line();

    /** The exact bytes on the wire, {@code \n} included. */
    default byte[] toBytes() {
        return (line() + '\n').getBytes(StandardCharsets.UTF_8);
    }

    record Subscribe(String channel) implements Command {
        public Subscribe {
            Wire.requireChannel(channel);
        }

        @Override
        public String line() {
            return "subscribe " + channel;
        }
    }

    record Unsubscribe(String channel) implements Command {
        public Unsubscribe {
            Wire.requireChannel(channel);
        }

        @Override
        public String line() {
            return "unsubscribe " + channel;
        }
    }

    record Announce(String channel, String message) implements Command {
        public Announce {
            Wire.requireChannel(channel);
            Wire.requireMessage(message);
        }

        @Override
        public String line() {
            return "announce " + channel + ' ' + message;
        }
    }

    record Ping() implements Command {
        public static final Ping INSTANCE = new Ping();

        @Override
        public String line() {
            return "ping";
        }
    }

    record Info() implements Command {
        public static final Info INSTANCE = new Info();

        @Override
        public String line() {
            return "info";
        }
    }
}
