package io.fail2bancluster.agent;

import static io.fail2bancluster.agent.PipelineNames.DECODER;
import static io.fail2bancluster.agent.PipelineNames.ENCODER;
import static io.fail2bancluster.agent.PipelineNames.ERRORS;
import static io.fail2bancluster.agent.PipelineNames.FRAME;
import static io.fail2bancluster.agent.PipelineNames.LIVENESS;
import static io.fail2bancluster.agent.PipelineNames.OVERLONG;
import static io.fail2bancluster.agent.PipelineNames.PATH;
import static io.fail2bancluster.agent.PipelineNames.SESSION;
import static io.fail2bancluster.agent.PipelineNames.TLS;
import static io.fail2bancluster.agent.PipelineNames.TLS_LOG;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.protocol.CommandEncoder;
import io.fail2bancluster.protocol.OverlongLineHandler;
import io.fail2bancluster.protocol.ServerLineDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The whole pipeline of one server connection, in one place:
 * <pre>
 *   bytes -> [tls -> tls-log] -> frame -> overlong -> decoder -> [encoder] -> liveness -> session -> path -> errors
 * </pre>
 * Lines are cut at {@code \n} with a hard limit (an over-long line is skipped, not buffered), parsed
 * into server lines, kept alive by pings, and consumed by the session unless they are channel messages,
 * which go to the server's {@link MessagePath} (limits, signature, filter, dedupe, exec). The last handler
 * counts what any handler let through. On a {@code tls: true} server the bytes are TLS first, with
 * the configured server name as SNI and as the name the certificate must carry.
 */
final class ServerPipeline extends ChannelInitializer<Channel> {
    /** What every server's pipeline shares; lives on the agent's one event loop. */
    record Shared(EventLoop loop, Deduplicator deduplicator, ActionRunner runner, ExecReporter reporter,
                  ClusterConfig.Limits limits, Duration signatureWindow, Clock clock) {
        /** Default limits and signature window, the system clock. */
        Shared(EventLoop loop, Deduplicator deduplicator, ActionRunner runner) {
            this(loop, deduplicator, runner, new ExecReporter(loop.ticker()), ClusterConfig.Limits.DEFAULTS,
                    ClusterConfig.DEFAULT_SIGNATURE_WINDOW, Clock.systemUTC());
        }
    }

    private final ServerConfig server;
    private final ServerState state;
    private final SessionHandler.Listener session;
    private final Shared shared;
    private final SslContext tls;
    /** This server's message path, kept across reconnects and reloads. */
    private final MessagePath path;
    /** What the next connection subscribes to; swapped by a reload. Both fields live on the event loop. */
    private ChannelRoutes routes;
    /** The connection this initializer set up last, from its registration until it closes; null between. */
    private Channel live;

    ServerPipeline(ServerConfig server, int serverIndex, Map<String, Route> routes, ServerState state,
                   SessionHandler.Listener session, Shared shared) {
        this(server, serverIndex, routes, state, session, shared, null);
    }

    /** @param tls the server's client-side TLS context, or null for plain TCP */
    ServerPipeline(ServerConfig server, int serverIndex, Map<String, Route> routes, ServerState state,
                   SessionHandler.Listener session, Shared shared, SslContext tls) {
        this.tls = tls;
        this.server = server;
        this.routes = ChannelRoutes.of(server, routes);
        this.state = state;
        this.session = session;
        this.shared = shared;
        this.path = new MessagePath(state, serverIndex, this.routes, shared);
    }

    /**
     * A reload's new routes for this server: the message path uses them from the next message on, every
     * later connection subscribes to them, and the live one (connecting or connected) gets them as a user
     * event, so its session changes its subscriptions without reconnecting. On the loop.
     */
    void swap(ChannelRoutes next) {
        routes = next;
        path.routes(next);
        if (live != null) {
            live.pipeline().fireUserEventTriggered(next);
        }
    }

    @Override
    protected void initChannel(Channel ch) {
        live = ch;
        ch.closeFuture().addListener(closed -> {
            if (live == ch) {
                live = null;
            }
        });
        String address = server.address();
        int maxLine = shared.limits().maxLine();
        ChannelPipeline pipeline = ch.pipeline();
        if (tls != null) {
            String serverName = server.tls().orElseThrow().serverName();
            // the peer host given here is both the SNI name and the name verified against the certificate
            pipeline.addLast(TLS, tls.newHandler(ch.alloc(), serverName, server.port()))
                    .addLast(TLS_LOG, new TlsHandshakeLogger(address, serverName));
        }
        pipeline
                .addLast(FRAME, new LineBasedFrameDecoder(maxLine, true, true))
                .addLast(OVERLONG, new OverlongLineHandler(maxLine, address))
                .addLast(DECODER, ServerLineDecoder.INSTANCE)
                .addLast(ENCODER, CommandEncoder.INSTANCE)
                .addLast(LIVENESS, new LivenessHandler(address, server.pingInterval(), server.pingTimeout()))
                .addLast(SESSION, new SessionHandler(address, routes.channels(), session,
                        server.pingTimeout()))
                .addLast(PATH, new MessagePathHandler(path))
                .addLast(ERRORS, new UnhandledErrorHandler(state));
    }
}
