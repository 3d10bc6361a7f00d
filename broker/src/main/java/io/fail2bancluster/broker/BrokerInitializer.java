package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.BlockingCallGuard;
import io.fail2bancluster.protocol.OverlongLineHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;

/**
 * Every accepted connection's pipeline, in order:
 * <pre>
 *   slow       closes the client once its pending output passes the outbound bound
 *   framer     NewlineFrameDecoder: lines end at "\n" only, a "\r" stays in the line as in fanout;
 *              fail-fast, so a line longer than max-line is never buffered
 *   overlong   counts and (rate-limited) logs the dropped over-long lines; the connection stays
 *   commands   line -> Request
 *   session    greeting, subscriptions, announces, ping, info
 * </pre>
 * A connection past the client limit gets only {@link BusyResponder}.
 */
final class BrokerInitializer extends ChannelInitializer<SocketChannel> {
    static final String FRAMER = "framer";
    static final String OVERLONG = "overlong";
    static final String SLOW = "slow";
    static final String COMMANDS = "commands";
    static final String SESSION = "session";

    private final BrokerOptions options;
    private final ChannelRegistry registry;
    private final BrokerMetrics metrics;

    BrokerInitializer(BrokerOptions options, ChannelRegistry registry, BrokerMetrics metrics) {
        this.options = options;
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (!metrics.tryOpenConnection()) {
            channel.config().setAutoRead(false);
            pipeline.addLast(BusyResponder.INSTANCE);
            return;
        }
        channel.closeFuture().addListener(closed -> metrics.connectionClosed());
        int bound = options.outboundLimitBytes();
        channel.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(bound / 2, bound));
        pipeline.addLast(SLOW, new SlowClientGuard(bound, metrics));
        addLineHandlers(pipeline, options.maxLine());
        pipeline.addLast(SESSION, new SessionHandler(registry, metrics));
        BlockingCallGuard.plantIfRequested(pipeline);
    }

    /** Bytes to {@link Request}s: framer, overlong, commands. */
    static void addLineHandlers(ChannelPipeline pipeline, int maxLine) {
        pipeline.addLast(FRAMER, new NewlineFrameDecoder(maxLine));
        pipeline.addLast(OVERLONG, new OverlongLineHandler(maxLine, null));
        pipeline.addLast(COMMANDS, CommandDecoder.INSTANCE);
    }
}
