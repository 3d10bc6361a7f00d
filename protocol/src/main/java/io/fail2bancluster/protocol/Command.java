package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A command a client sends to a fanout server: the one model of the five, for both directions. The agent
 * and the client build them from text and write them ({@link CommandEncoder}, or {@link #toBytes()} on a
 * plain socket); the broker reads them ({@link CommandDecoder}).
 *
 * <p>Built from text, each command checks its fields (see {@link Wire}), so one that a caller made always
 * encodes to exactly one line. Decoded, it holds the bytes as they came, a {@code \r} or bytes that are not
 * UTF-8 included, as fanout keeps them.
 *
 * <p>The classes here stay clear of Netty's buffers on the text path: the command-line client builds and
 * writes an announce at every ban, and initializing them would cost its start-up tens of milliseconds.
 */
public sealed interface Command permits Command.Subscribe, Command.Unsubscribe, Command.Announce,
        Command.Ping, Command.Info {

    /** The exact bytes on the wire, {@code \n} included. */
    byte[] toBytes();

    record Subscribe(ChannelName channel) implements Command {
        /** @throws IllegalArgumentException if {@code channel} is not one token of a command line */
        public Subscribe(String channel) {
            this(ChannelName.of(channel));
        }

        @Override
        public byte[] toBytes() {
            return Grammar.line(Grammar.SUBSCRIBE, channel.bytes(), null);
        }
    }

    record Unsubscribe(ChannelName channel) implements Command {
        /** @throws IllegalArgumentException if {@code channel} is not one token of a command line */
        public Unsubscribe(String channel) {
            this(ChannelName.of(channel));
        }

        @Override
        public byte[] toBytes() {
            return Grammar.line(Grammar.UNSUBSCRIBE, channel.bytes(), null);
        }
    }

    /**
     * {@code announce <channel> <message>}. Made from text it holds the message's UTF-8 bytes and no buffer:
     * it is never freed and can be written any number of times. Decoded, it holds the message as a retained
     * slice of the line it came in (the broker copies it only into the deliveries), so whoever handles a
     * decoded announce releases it.
     */
    final class Announce implements Command, ReferenceCounted {
        private final ChannelName channel;
        /** The message made from text; null when decoded. */
        private final byte[] text;
        /** The message decoded: a retained slice of the line; null when made from text. */
        private final ByteBuf content;

        /** @throws IllegalArgumentException if either would break the line (see {@link Wire}) */
        public Announce(String channel, String message) {
            this.channel = ChannelName.of(channel);
            this.text = Wire.requireMessage(message).getBytes(StandardCharsets.UTF_8);
            this.content = null;
        }

        /** The decoder's: takes over {@code content}, a retained slice of the line. */
        Announce(ChannelName channel, ByteBuf content) {
            this.channel = channel;
            this.text = null;
            this.content = content;
        }

        public ChannelName channel() {
            return channel;
        }

        /** The message as text (its bytes read as UTF-8). */
        public String message() {
            return text != null ? new String(text, StandardCharsets.UTF_8) : content.toString(StandardCharsets.UTF_8);
        }

        /** The message's length in bytes on the wire. */
        public int messageLength() {
            return text != null ? text.length : content.readableBytes();
        }

        /** Appends the message's bytes to {@code out}; this announce stays as it is. */
        public void writeMessageTo(ByteBuf out) {
            if (text != null) {
                out.writeBytes(text);
            } else {
                out.writeBytes(content, content.readerIndex(), content.readableBytes());
            }
        }

        private byte[] messageBytes() {
            return text != null ? text : ByteBufUtil.getBytes(content);
        }

        @Override
        public byte[] toBytes() {
            return Grammar.line(Grammar.ANNOUNCE, channel.bytes(), messageBytes());
        }

        @Override
        public int refCnt() {
            return content != null ? content.refCnt() : 1;
        }

        @Override
        public Announce retain() {
            if (content != null) {
                content.retain();
            }
            return this;
        }

        @Override
        public Announce retain(int increment) {
            if (content != null) {
                content.retain(increment);
            }
            return this;
        }

        @Override
        public Announce touch() {
            if (content != null) {
                content.touch();
            }
            return this;
        }

        @Override
        public Announce touch(Object hint) {
            if (content != null) {
                content.touch(hint);
            }
            return this;
        }

        /** Frees a decoded announce's slice; an announce made from text holds none, and stays (false). */
        @Override
        public boolean release() {
            return content != null && content.release();
        }

        @Override
        public boolean release(int decrement) {
            return content != null && content.release(decrement);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Announce other && channel.equals(other.channel)
                    && Arrays.equals(messageBytes(), other.messageBytes());
        }

        @Override
        public int hashCode() {
            return 31 * channel.hashCode() + Arrays.hashCode(messageBytes());
        }

        @Override
        public String toString() {
            return "Announce[channel=" + channel + ", " + messageLength() + " bytes]";
        }
    }

    record Ping() implements Command {
        public static final Ping INSTANCE = new Ping();

        @Override
        public byte[] toBytes() {
            return Grammar.line(Grammar.PING, null, null);
        }
    }

    record Info() implements Command {
        public static final Info INSTANCE = new Info();

        @Override
        public byte[] toBytes() {
            return Grammar.line(Grammar.INFO, null, null);
        }
    }
}
