package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns one frame (a line with its delimiter already stripped by the frame decoder in front of it)
 * into a {@link ServerLine}. Stateless, so one instance serves every pipeline. The agent's side of the
 * server-line codec, whose other side is {@link ServerLineEncoder}; the framer in front removes a {@code \r}
 * before the {@code \n} ({@link LineFraming.CarriageReturn#STRIP}).
 */
@ChannelHandler.Sharable
public final class ServerLineDecoder extends MessageToMessageDecoder<ByteBuf> {
    public static final ServerLineDecoder INSTANCE = new ServerLineDecoder();

    private ServerLineDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        out.add(ServerLine.parse(frame.toString(StandardCharsets.UTF_8)));
    }
}
