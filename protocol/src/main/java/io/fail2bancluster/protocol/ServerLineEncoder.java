package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * The broker's side of the server-line codec: writes a {@link ServerLine} as its line plus {@code \n}.
 * Stateless, so one instance serves every pipeline. The agent's side of the pair is {@link ServerLineDecoder}.
 *
 * <p>The broker's deliveries do not come through here one by one: it writes consecutive announces to a channel
 * into one buffer with {@link #writeChannelMessage}, byte for byte as they came, and every subscriber gets a
 * duplicate of that buffer, which passes this encoder untouched.
 */
@ChannelHandler.Sharable
public final class ServerLineEncoder extends MessageToByteEncoder<ServerLine> {
    public static final ServerLineEncoder INSTANCE = new ServerLineEncoder();

    private ServerLineEncoder() {
        super(ServerLine.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ServerLine line, ByteBuf out) {
        ByteBufUtil.writeUtf8(out, line.line());
        out.writeByte('\n');
    }

    /**
     * Appends the channel message that delivers {@code announce}: {@code <channel>!<message>\n}, with the
     * announce's bytes as they came ({@code \r} included).
     */
    public static void writeChannelMessage(ByteBuf out, Command.Announce announce) {
        announce.channel().writeTo(out);
        out.writeByte('!');
        announce.writeMessageTo(out);
        out.writeByte('\n');
    }

    /** The length of what {@link #writeChannelMessage} appends. */
    public static int channelMessageLength(Command.Announce announce) {
        return announce.channel().length() + 1 + announce.messageLength() + 1;
    }
}
