package io.fail2bancluster.agent;

import static io.fail2bancluster.agent.PipelineNames.DECODER;
import static io.fail2bancluster.agent.PipelineNames.DEDUPE;
import static io.fail2bancluster.agent.PipelineNames.ENCODER;
import static io.fail2bancluster.agent.PipelineNames.ERRORS;
import static io.fail2bancluster.agent.PipelineNames.EXEC;
import static io.fail2bancluster.agent.PipelineNames.FILTER;
import static io.fail2bancluster.agent.PipelineNames.FRAME;
import static io.fail2bancluster.agent.PipelineNames.LIMITS;
import static io.fail2bancluster.agent.PipelineNames.LIVENESS;
import static io.fail2bancluster.agent.PipelineNames.OVERLONG;
import static io.fail2bancluster.agent.PipelineNames.SESSION;
import static io.fail2bancluster.agent.PipelineNames.TLS;
import static io.fail2bancluster.agent.PipelineNames.TLS_LOG;
import static io.fail2bancluster.agent.PipelineNames.VERIFY;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.protocol.CommandEncoder;
import io.fail2bancluster.protocol.OverlongLineHandler;
import io.fail2bancluster.protocol.ServerLineDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The whole pipeline of one server connection, in one place:
 * <pre>
 *   bytes -> [tls -> tls-log] -> frame -> overlong -> decoder -> [encoder] -> liveness -> session
 *         -> limits -> verify -> filter -> dedupe -> exec -> errors
 * </pre>
 * Lines are cut at {@code \n} with a hard limit (an over-long line is skipped, not buffered), parsed
 * into server lines, kept alive by pings, consumed by the session unless they are channel messages,
 * held to the limits, checked against the channel's keys when it is signed, filtered, deduplicated
 * across servers and turned into actions. On a {@code tls: true} server the bytes are TLS first, with
 * the configured server name as SNI and as the name the certificate must carry.
 */
final class ServerPipeline extends ChannelInitializer<Channel> {
    /** What every server's pipeline shares; lives on the agent's one event loop. */
    record Shared(Deduplicator deduplicator, ActionRunner runner, ExecReporter reporter, ClusterConfig.Limits limits,
                  Duration signatureWindow, Clock clock) {
        /** Default limits and signature window, the system clock. */
        Shared(Deduplicator deduplicator, ActionRunner runner, ExecReporter reporter) {
            this(deduplicator, runner, reporter, ClusterConfig.Limits.DEFAULTS, ClusterConfig.DEFAULT_SIGNATURE_WINDOW,
                    Clock.systemUTC());
        }
    }

    private final ServerConfig server;
    private final int serverIndex;
    private final ServerState state;
    private final SessionHandler.Listener session;
    private final Shared shared;
    private final SslContext tls;
    /** This server's nonces, kept across reconnects and reloads. */
    private final NonceCache nonces;
    /** What the next connection starts with; swapped by a reload. Both fields live on the event loop. */
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
        this.serverIndex = serverIndex;
        this.routes = ChannelRoutes.of(server, routes);
        this.state = state;
        this.session = session;
        this.shared = shared;
        this.nonces = new NonceCache(shared.signatureWindow().multipliedBy(2).toNanos(), NonceCache.DEFAULT_CAPACITY);
    }

    /**
     * A reload's new routes for this server: every later connection starts with them, and the live one
     * (connecting or connected) gets them as a user event, so it changes its subscriptions and applies
     * the new filters, actions and keys from the next message on, without reconnecting. On the loop.
     */
    void swap(ChannelRoutes next) {
        routes = next;
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
                .addLast(LIMITS, new LimitsHandler(state, shared.limits()))
                .addLast(VERIFY, new SignatureHandler(state, routes.signatures(), shared.signatureWindow(), shared.clock(), nonces))
                .addLast(FILTER, new FilterHandler(address, routes.routes(), state))
                .addLast(DEDUPE, new DedupeHandler(serverIndex, shared.deduplicator(), state))
                .addLast(EXEC, new ExecHandler(state, shared.runner(), shared.reporter()))
                .addLast(ERRORS, new UnhandledErrorHandler(state));
    }
}
