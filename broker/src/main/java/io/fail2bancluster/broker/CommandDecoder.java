package io.fail2bancluster.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns one line (a frame without its {@code \n}) into a {@link Request}, reading bytes in place: no
 * strings, no regex. The grammar is fanout's as the reference server behaves:
 * <ul>
 *   <li>{@code ping} and {@code info} must be the whole line (so {@code ping\r} is not a ping);</li>
 *   <li>otherwise the action ends at the first space and the channel at the next space or the end
 *       of the line; every other byte, {@code \r} included, belongs to the channel;</li>
 *   <li>an announce's message is everything after the space that ends the channel, extra spaces
 *       included; an announce without a message is dropped, as fanout drops it;</li>
 *   <li>{@code subscribe} and {@code unsubscribe} ignore a channel with {@code !} (a subscriber could
 *       never tell where such a channel ends) and anything after the channel.</li>
 * </ul>
 * Anything else is ignored silently, like fanout does: a line that means nothing produces nothing.
 * One difference, on purpose: fanout tokenizes with {@code strtok}, which skips runs of spaces, and
 * then computes the message offset as if there were single spaces, which garbles announces with
 * leading or doubled spaces. Here the grammar is strict: a line starting with a space, or with two
 * spaces before the channel, has an empty action or channel and is ignored.
 */
@Sharable
final class CommandDecoder extends MessageToMessageDecoder<ByteBuf> {
    static final CommandDecoder INSTANCE = new CommandDecoder();

    private static final byte[] PING = bytes("ping");
    private static final byte[] INFO = bytes("info");
    private static final byte[] ANNOUNCE = bytes("announce");
    private static final byte[] SUBSCRIBE = bytes("subscribe");
    private static final byte[] UNSUBSCRIBE = bytes("unsubscribe");

    private CommandDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        Request request = parse(line);
        if (request != null) {
            out.add(request);
        }
    }

    /**
     * Parses one line without its {@code \n}. Returns {@code null} for a line the broker ignores. An
     * {@link Request.Announce} holds a retained slice of {@code line}.
     */
    static Request parse(ByteBuf line) {
        int start = line.readerIndex();
        int end = line.writerIndex();
        if (is(line, start, end, PING)) {
            return Request.Ping.INSTANCE;
        }
        if (is(line, start, end, INFO)) {
            return Request.Info.INSTANCE;
        }
        int actionEnd = line.indexOf(start, end, (byte) ' ');
        if (actionEnd < 0) {
            return null;
        }
        int channelStart = actionEnd + 1;
        int channelEnd = line.indexOf(channelStart, end, (byte) ' ');
        if (channelEnd < 0) {
            channelEnd = end;
        }
        if (channelEnd == channelStart) {
            return null;
        }
        if (is(line, start, actionEnd, ANNOUNCE)) {
            int messageStart = channelEnd + 1;
            if (messageStart >= end) {
                return null;
            }
            return new Request.Announce(channel(line, channelStart, channelEnd),
                    line.retainedSlice(messageStart, end - messageStart));
        }
        boolean subscribe = is(line, start, actionEnd, SUBSCRIBE);
        if (!subscribe && !is(line, start, actionEnd, UNSUBSCRIBE)) {
            return null;
        }
        if (line.indexOf(channelStart, channelEnd, (byte) '!') >= 0) {
            return null;
        }
        AsciiString channel = channel(line, channelStart, channelEnd);
        return subscribe ? new Request.Subscribe(channel) : new Request.Unsubscribe(channel);
    }

    private static AsciiString channel(ByteBuf line, int from, int to) {
        return new AsciiString(ByteBufUtil.getBytes(line, from, to - from), false);
    }

    private static boolean is(ByteBuf line, int from, int to, byte[] word) {
        if (to - from != word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (line.getByte(from + i) != word[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(String word) {
        return word.getBytes(StandardCharsets.US_ASCII);
    }
}
