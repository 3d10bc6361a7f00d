package io.fail2bancluster.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The memory bench's baseline: a bare Netty client on one NIO loop holding N idle connections (it reads and
 * discards whatever arrives). Args: port connections. Prints {@code connected N} when all are up.
 */
public final class BareNettyClients {
    private BareNettyClients() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                });
        for (int i = 0; i < n; i++) {
            bootstrap.connect("127.0.0.1", port).sync();
        }
        System.out.println("connected " + n);
        System.out.flush();
        Thread.currentThread().join();
    }
}
