package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes a {@link Command} as its line plus {@code \n}. Stateless, so one instance serves every pipeline. */
@ChannelHandler.Sharable
public final class CommandEncoder extends MessageToByteEncoder<Command> {
    public static final CommandEncoder INSTANCE = new CommandEncoder();

    private CommandEncoder() {
        super(Command.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Command command, ByteBuf out) {
        ByteBufUtil.writeUtf8(out, command.line());
        out.writeByte('\n');
    }
}
