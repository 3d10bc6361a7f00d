package io.fail2bancluster.protocol;

import static io.fail2bancluster.protocol.Grammar.ANNOUNCE;
import static io.fail2bancluster.protocol.Grammar.INFO;
import static io.fail2bancluster.protocol.Grammar.PING;
import static io.fail2bancluster.protocol.Grammar.SUBSCRIBE;
import static io.fail2bancluster.protocol.Grammar.UNSUBSCRIBE;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * The broker's side of the command codec: turns one line (a frame without its {@code \n}) into a
 * {@link Command}, reading bytes in place: no strings, no regex. The framer in front keeps a {@code \r} in
 * the line ({@link LineFraming.CarriageReturn#KEEP}). The grammar is fanout's as the reference server behaves:
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
public final class CommandDecoder extends MessageToMessageDecoder<ByteBuf> {
    public static final CommandDecoder INSTANCE = new CommandDecoder();

    private CommandDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        Command command = parse(line);
        if (command != null) {
            out.add(command);
        }
    }

    /**
     * Parses one line without its {@code \n}. Returns {@code null} for a line the broker ignores. An
     * {@link Command.Announce} holds a retained slice of {@code line}.
     */
    static Command parse(ByteBuf line) {
        int start = line.readerIndex();
        int end = line.writerIndex();
        if (is(line, start, end, PING)) {
            return Command.Ping.INSTANCE;
        }
        if (is(line, start, end, INFO)) {
            return Command.Info.INSTANCE;
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
            return new Command.Announce(channel(line, channelStart, channelEnd),
                    line.retainedSlice(messageStart, end - messageStart));
        }
        boolean subscribe = is(line, start, actionEnd, SUBSCRIBE);
        if (!subscribe && !is(line, start, actionEnd, UNSUBSCRIBE)) {
            return null;
        }
        if (line.indexOf(channelStart, channelEnd, (byte) '!') >= 0) {
            return null;
        }
        ChannelName channel = channel(line, channelStart, channelEnd);
        return subscribe ? new Command.Subscribe(channel) : new Command.Unsubscribe(channel);
    }

    private static ChannelName channel(ByteBuf line, int from, int to) {
        return ChannelName.fromWire(ByteBufUtil.getBytes(line, from, to - from));
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
}
