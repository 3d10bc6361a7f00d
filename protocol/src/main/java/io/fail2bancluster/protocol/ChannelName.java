package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A channel name as the wire carries it: bytes, compared and hashed as bytes, so that a name the broker
 * decoded (where a {@code \r} or any byte that is not UTF-8 stays part of the name, as in fanout) and a name a
 * publisher typed mean the same channel exactly when their bytes are equal.
 *
 * <p>Plain Java, no Netty buffer or string class, on purpose: the command-line client builds its announce
 * with it at every ban, and initializing Netty's buffers would cost its start-up tens of milliseconds.
 */
public final class ChannelName {
    private final byte[] bytes;
    private String text;
    private int hash;

    private ChannelName(byte[] bytes, String text) {
        this.bytes = bytes;
        this.text = text;
    }

    /**
     * A name to send: checked to be one token of a command line (see {@link Wire#requireChannel}), in UTF-8.
     *
     * @throws IllegalArgumentException naming the offending character
     */
    public static ChannelName of(String channel) {
        return new ChannelName(Wire.requireChannel(channel).getBytes(StandardCharsets.UTF_8), channel);
    }

    /** A name as it came in a command line, taken over (not copied): the decoder's, which owns the array. */
    static ChannelName fromWire(byte[] bytes) {
        return new ChannelName(bytes, null);
    }

    /** Its length in bytes on the wire. */
    public int length() {
        return bytes.length;
    }

    /** Appends its bytes to {@code out}. */
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes);
    }

    /** Package-private: for encoding into a {@code byte[]} without a copy. */
    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelName other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** The name as text: as given, or its bytes read as UTF-8 (a byte that is not UTF-8 shows as U+FFFD). */
    @Override
    public String toString() {
        String s = text;
        if (s == null) {
            s = new String(bytes, StandardCharsets.UTF_8);
            text = s;
        }
        return s;
    }
}
