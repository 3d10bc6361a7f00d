package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.util.TlsFailure;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.channels.ClosedChannelException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Right after the SslHandler: a failed handshake (hostname mismatch, unknown CA, client certificate
 * refused) is logged as one warning naming the server and the reason. The SslHandler closes the
 * connection, which the reconnect logic counts as a failed attempt (it was never greeted), so the
 * backoff also paces these warnings. The failure's exception is not passed on, or the session would
 * log it again as a connection error.
 */
final class TlsHandshakeLogger extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(TlsHandshakeLogger.class);

    private final String address;
    private final String serverName;

    TlsHandshakeLogger(String address, String serverName) {
        this.address = address;
        this.serverName = serverName;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                LOG.debug("{}: TLS handshake done", address);
            } else if (done.cause() instanceof ClosedChannelException) {
                // closed from our side (stopping, no answer in time): the disconnect line tells the rest
                LOG.debug("{}: closed during the TLS handshake", address);
            } else {
                LOG.warn("{}: TLS handshake failed (server name {}): {}", address, serverName,
                        TlsFailure.reason(done.cause()));
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (TlsFailure.isTls(cause)) {
            LOG.debug("{}: TLS error", address, cause);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
