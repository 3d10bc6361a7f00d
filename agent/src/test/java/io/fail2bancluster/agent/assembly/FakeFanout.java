package io.fail2bancluster.agent.assembly;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Just enough of a fanout server for the agent's own tests (the real broker is tested elsewhere):
 * greets, records subscribes, answers pings, delivers announces the test makes, and can be told to
 * stay silent or to close every connection.
 */
final class FakeFanout implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<Channel, Set<String>> subscriptions = new ConcurrentHashMap<>();
    final List<String> received = new CopyOnWriteArrayList<>();
    private final Channel server;
    volatile boolean silent;

    FakeFanout() {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(65536), new StringDecoder(StandardCharsets.UTF_8),
                                new StringEncoder(StandardCharsets.UTF_8), new Session());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Subscribe lines received so far, over all connections. */
    long subscribes(String channel) {
        return received.stream().filter(("subscribe " + channel)::equals).count();
    }

    void announce(String channel, String message) {
        subscriptions.forEach((ch, subscribed) -> {
            if (subscribed.contains(channel)) {
                ch.writeAndFlush(channel + "!" + message + "\n");
            }
        });
    }

    /** Greeted connections open now. */
    int connections() {
        return subscriptions.size();
    }

    void dropEveryConnection() {
        subscriptions.keySet().forEach(Channel::close);
    }

    /** A connection accepted while the server was silent stays silent. */
    private final class Session extends SimpleChannelInboundHandler<String> {
        private boolean mute;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            mute = silent;
            if (!mute) {
                subscriptions.put(ctx.channel(), ConcurrentHashMap.newKeySet());
                ctx.writeAndFlush("debug!connected...\n");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            subscriptions.remove(ctx.channel());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            if (mute) {
                return;
            }
            received.add(line);
            if (line.startsWith("subscribe ")) {
                subscriptions.get(ctx.channel()).add(line.substring("subscribe ".length()));
            } else if (line.startsWith("unsubscribe ")) {
                subscriptions.get(ctx.channel()).remove(line.substring("unsubscribe ".length()));
            } else if (line.equals("ping")) {
                ctx.writeAndFlush(System.currentTimeMillis() / 1000 + "\n");
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
