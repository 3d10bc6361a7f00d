package io.fail2bancluster.protocol;

import io.fail2bancluster.util.LogThrottle;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sits right after a fail-fast frame decoder. The decoder has already discarded the over-long line
 * (it never buffers more than its limit) and reports it as a {@link TooLongFrameException}; this
 * handler swallows that exception so the connection stays open, counts the line, and logs at most
 * once per interval with the count, never once per line. Any other exception passes on.
 */
public final class OverlongLineHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(OverlongLineHandler.class);
    public static final long DEFAULT_LOG_INTERVAL_SECONDS = TimeUnit.NANOSECONDS.toSeconds(LogThrottle.DEFAULT_INTERVAL_NANOS);

    private final int maxLineBytes;
    private final String peerLabel;
    private final LogThrottle throttle;
    private long dropped;

    public OverlongLineHandler(int maxLineBytes, String peerLabel) {
        this(maxLineBytes, peerLabel, LogThrottle.DEFAULT_INTERVAL_NANOS);
    }

    public OverlongLineHandler(int maxLineBytes, String peerLabel, long logIntervalNanos) {
        this.maxLineBytes = maxLineBytes;
        this.peerLabel = peerLabel;
        this.throttle = new LogThrottle(logIntervalNanos);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof TooLongFrameException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        dropped++;
        long count = throttle.record(ctx.executor().ticker().nanoTime());
        if (count > 0) {
            LOG.warn("{}: dropped {} line(s) longer than {} bytes ({} in total on this connection)",
                    peerLabel != null ? peerLabel : String.valueOf(ctx.channel().remoteAddress()),
                    count, maxLineBytes, dropped);
        }
    }

    /** Over-long lines dropped on this connection so far. */
    public long dropped() {
        return dropped;
    }
}
