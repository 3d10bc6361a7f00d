package io.fail2bancluster.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DelimiterBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Frames at {@code \n} only, fail-fast, delimiter stripped: a {@code \r} before the {@code \n} stays
 * in the line, as in fanout.
 *
 * <p>Two Netty details shape this class. DelimiterBasedFrameDecoder switches to line-based framing
 * (which also ends a line at {@code \r\n}) when given exactly the standard line delimiters, so it
 * gets the single {@code \n}. And it <em>throws</em> its TooLongFrameException out of decode, which
 * ends the decode loop: lines that arrived in the same read behind an over-long one would wait for
 * the client's next packet, possibly forever. Here the exception is fired down the pipeline instead
 * (as LineBasedFrameDecoder does) and decoding continues with the next line.
 */
final class NewlineFrameDecoder extends DelimiterBasedFrameDecoder {

    NewlineFrameDecoder(int maxLineBytes) {
        super(maxLineBytes, true, true, Unpooled.wrappedBuffer(new byte[] {'\n'}));
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
        try {
            return super.decode(ctx, buffer);
        } catch (TooLongFrameException e) {
            // the over-long bytes are already skipped; report and go on with what follows
            ctx.fireExceptionCaught(e);
            return null;
        }
    }
}
