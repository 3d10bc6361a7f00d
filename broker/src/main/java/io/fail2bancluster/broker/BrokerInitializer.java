package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.CommandDecoder;
import io.fail2bancluster.protocol.LineFraming;
import io.fail2bancluster.protocol.OverlongLineHandler;
import io.fail2bancluster.protocol.ServerLineEncoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Ticker;

/**
 * Every accepted connection's pipeline, in order:
 * <pre>
 *   tls        (with --tls-cert) SslHandler, then tls-log: one line per failed handshake, rate-limited
 *   slow       marks the client behind while its pending output is past the outbound bound (announcers
 *              are held back meanwhile), closes it as a slow consumer when it stays behind past the write deadline
 *   framer     LineFraming, CarriageReturn.KEEP: lines end at {@code \n} only, a {@code \r} stays in the line
 *              as in fanout; fail-fast, so a line longer than max-line is never buffered
 *   overlong   counts and (rate-limited) logs the dropped over-long lines; the connection stays
 *   commands   line -> Command (protocol's CommandDecoder; an announce holds a slice of the line, not a copy)
 *   lines      ServerLine -> bytes (protocol's ServerLineEncoder): greeting, ping reply, info; the deliveries,
 *              already bytes, pass it untouched
 *   session    greeting, subscriptions, announces, ping, info
 * </pre>
 * A connection past the client limit gets only the server-line encoder and {@link BusyResponder} (behind the
 * TLS handlers with TLS).
 */
final class BrokerInitializer extends ChannelInitializer<SocketChannel> {
    static final String TLS = "tls";
    static final String TLS_LOG = "tls-log";
    static final String FRAMER = "framer";
    static final String OVERLONG = "overlong";
    static final String SLOW = "slow";
    static final String COMMANDS = "commands";
    static final String LINES = "lines";
    static final String SESSION = "session";

    private final BrokerOptions options;
    private final ChannelRegistry registry;
    private final BrokerMetrics metrics;
    private final DeliveryBudget budget;
    private final SslContext sslContext;
    private final HandshakeFailureLogger handshakeFailures = new HandshakeFailureLogger(Ticker.systemTicker());

    /** @param sslContext the server-side TLS context, or null for plain TCP */
    BrokerInitializer(BrokerOptions options, ChannelRegistry registry, BrokerMetrics metrics, DeliveryBudget budget,
            SslContext sslContext) {
        this.options = options;
        this.budget = budget;
        this.registry = registry;
        this.metrics = metrics;
        this.sslContext = sslContext;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (sslContext != null) {
            pipeline.addLast(TLS, sslContext.newHandler(channel.alloc()));
            pipeline.addLast(TLS_LOG, handshakeFailures);
        }
        if (!metrics.tryOpenConnection()) {
            // Over TLS the busy line can only be sent after the handshake, which needs reading; whatever
            // the client sends after it reaches no handler that acts on it. The SslHandler's handshake
            // timeout bounds a client that never completes it.
            channel.config().setAutoRead(sslContext != null);
            pipeline.addLast(LINES, ServerLineEncoder.INSTANCE);
            pipeline.addLast(BusyResponder.INSTANCE);
            return;
        }
        channel.closeFuture().addListener(closed -> metrics.connectionClosed());
        int bound = options.outboundLimitBytes();
        channel.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(bound / 2, bound));
        pipeline.addLast(SLOW, new SlowClientGuard(options.writeDeadline(), budget, metrics));
        addLineHandlers(pipeline, options.maxLine());
        pipeline.addLast(SESSION, new SessionHandler(registry, metrics, budget));
    }

    /** The protocol: bytes to commands (framer, overlong, commands) and server lines to bytes (lines). */
    static void addLineHandlers(ChannelPipeline pipeline, int maxLine) {
        pipeline.addLast(FRAMER, LineFraming.decoder(maxLine, LineFraming.CarriageReturn.KEEP));
        pipeline.addLast(OVERLONG, new OverlongLineHandler(maxLine, null));
        pipeline.addLast(COMMANDS, CommandDecoder.INSTANCE);
        pipeline.addLast(LINES, ServerLineEncoder.INSTANCE);
    }
}
