package io.fail2bancluster.agent.fanout;

import static io.fail2bancluster.agent.fanout.PipelineNames.CATCH_UP;
import static io.fail2bancluster.agent.fanout.PipelineNames.DECODER;
import static io.fail2bancluster.agent.fanout.PipelineNames.ENCODER;
import static io.fail2bancluster.agent.fanout.PipelineNames.ERRORS;
import static io.fail2bancluster.agent.fanout.PipelineNames.FRAME;
import static io.fail2bancluster.agent.fanout.PipelineNames.LIVENESS;
import static io.fail2bancluster.agent.fanout.PipelineNames.OUTBOX;
import static io.fail2bancluster.agent.fanout.PipelineNames.OVERLONG;
import static io.fail2bancluster.agent.fanout.PipelineNames.PATH;
import static io.fail2bancluster.agent.fanout.PipelineNames.SESSION;
import static io.fail2bancluster.agent.fanout.PipelineNames.TLS;
import static io.fail2bancluster.agent.fanout.PipelineNames.TLS_LOG;

import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.protocol.CommandEncoder;
import io.fail2bancluster.protocol.LineFraming;
import io.fail2bancluster.protocol.OverlongLineHandler;
import io.fail2bancluster.protocol.ServerLineDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;

/**
 * The whole pipeline of one server connection, in one place:
 * <pre>
 *   bytes -> [tls -> tls-log] -> frame -> overlong -> decoder -> [encoder] -> [outbox] -> liveness -> session -> path -> errors
 * </pre>
 * Lines are cut at {@code \n} with a hard limit (an over-long line is skipped, not buffered), parsed
 * into server lines, kept alive by pings, and consumed by the session unless they are channel messages,
 * which go to the server's {@link MessagePath} (limits, signature, filter, dedupe, exec). The last handler
 * counts what any handler let through. On a {@code tls: true} server the bytes are TLS first, with
 * the configured server name as SNI and as the name the certificate must carry. When the agent keeps an
 * outbox, the connection also delivers this server's share of it, once greeted.
 */
public final class ServerPipeline extends ChannelInitializer<Channel> {
    private final ServerConfig server;
    private final ServerLink link;
    private final ServerTimers timers;
    private final int maxLine;
    private final SslContext tls;
    private final String processName;

    /**
     * @param tls         the server's client-side TLS context, or null for plain TCP
     * @param processName how a fatal error on the connection names the process that ends
     */
    public ServerPipeline(ServerConfig server, ServerLink link, int maxLine, SslContext tls, String processName) {
        this.server = server;
        this.link = link;
        this.timers = ServerTimers.of(server);
        this.maxLine = maxLine;
        this.tls = tls;
        this.processName = processName;
    }

    @Override
    protected void initChannel(Channel ch) {
        link.settingUp(ch);
        String address = server.address();
        ChannelPipeline pipeline = ch.pipeline();
        if (tls != null) {
            String serverName = server.tls().orElseThrow().serverName();
            // the peer host given here is both the SNI name and the name verified against the certificate
            pipeline.addLast(TLS, tls.newHandler(ch.alloc(), serverName, server.port()))
                    .addLast(TLS_LOG, new TlsHandshakeLogger(address, serverName));
        }
        pipeline
                .addLast(FRAME, LineFraming.decoder(maxLine, LineFraming.CarriageReturn.STRIP))
                .addLast(OVERLONG, new OverlongLineHandler(maxLine, address))
                .addLast(DECODER, ServerLineDecoder.INSTANCE)
                .addLast(ENCODER, CommandEncoder.INSTANCE);
        if (link.delivery() != null) {
            pipeline.addLast(OUTBOX, link.delivery().newHandler());
        }
        pipeline
                .addLast(LIVENESS, new LivenessHandler(address, timers.pingInterval(), timers.readerIdle()));
        if (link.catchUp() != null) {
            pipeline.addLast(CATCH_UP, new CatchUpHandler(link.catchUp()));
        }
        pipeline
                .addLast(SESSION, new SessionHandler(address, link::channels, link.state(), timers.greetingDeadline(),
                        processName))
                .addLast(PATH, new MessagePathHandler(link.path()))
                .addLast(ERRORS, new UnhandledErrorHandler(link.state()));
    }
}
