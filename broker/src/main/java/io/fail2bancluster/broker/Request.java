package io.fail2bancluster.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.util.AsciiString;

/**
 * One command line from a client, as the broker understands it. Channel names are kept as the exact
 * bytes that came in ({@link AsciiString} compares and hashes bytes), so a {@code \r} or any other
 * byte stays part of the name just as in fanout.
 */
sealed interface Request permits Request.Ping, Request.Info, Request.Subscribe, Request.Unsubscribe,
        Request.Announce {

    enum Ping implements Request { INSTANCE }

    enum Info implements Request { INSTANCE }

    record Subscribe(AsciiString channel) implements Request {
    }

    record Unsubscribe(AsciiString channel) implements Request {
    }

    /**
     * {@code announce <channel> <message>}; holds the message bytes (a retained slice of the line), so
     * whoever handles it must release it.
     */
    final class Announce extends DefaultByteBufHolder implements Request {
        private final AsciiString channel;

        Announce(AsciiString channel, ByteBuf message) {
            super(message);
            this.channel = channel;
        }

        AsciiString channel() {
            return channel;
        }

        ByteBuf message() {
            return content();
        }

        @Override
        public Announce replace(ByteBuf content) {
            return new Announce(channel, content);
        }

        @Override
        public Announce retain() {
            super.retain();
            return this;
        }

        @Override
        public String toString() {
            return "Announce[" + channel + ", " + content().readableBytes() + " bytes]";
        }
    }
}
