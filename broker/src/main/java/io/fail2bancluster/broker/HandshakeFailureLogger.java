package io.fail2bancluster.broker;

import io.fail2bancluster.util.LogThrottle;
import io.fail2bancluster.util.TlsFailure;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Ticker;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Right after the SslHandler: logs a failed handshake (a client without the required certificate, a
 * scanner speaking plain text) as one line, at most one per interval for the whole broker so a port
 * scan cannot flood the log, and keeps the failure's exception from being logged again as an
 * unexpected error further down. The SslHandler has already closed the connection.
 */
@Sharable
final class HandshakeFailureLogger extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(HandshakeFailureLogger.class);

    private final Ticker ticker;
    private final LogThrottle throttle = new LogThrottle();

    HandshakeFailureLogger(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            long count;
            // shared by every event loop of the broker
            synchronized (throttle) {
                count = throttle.record(ticker.nanoTime());
            }
            if (count > 0) {
                LOG.info("{}: TLS handshake failed: {}{}", ctx.channel().remoteAddress(), TlsFailure.reason(done.cause()),
                        count > 1 ? " (" + count + " failed handshakes since the last report)" : "");
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (TlsFailure.isTls(cause)) {
            LOG.debug("{}: TLS error: {}", ctx.channel().remoteAddress(), TlsFailure.reason(cause));
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
