package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes a {@link Command} as its line plus {@code \n}, the bytes of {@link Command#toBytes()} (the client's
 * plain socket writes those same bytes). Stateless, so one instance serves every pipeline. The broker's side
 * of the pair is {@link CommandDecoder}.
 */
@ChannelHandler.Sharable
public final class CommandEncoder extends MessageToByteEncoder<Command> {
    public static final CommandEncoder INSTANCE = new CommandEncoder();

    private CommandEncoder() {
        super(Command.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Command command, ByteBuf out) {
        out.writeBytes(command.toBytes());
    }
}
