package io.fail2bancluster.broker;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;

/**
 * Test-only main (it lives on the integration tests' class path, nowhere else): the real
 * {@link BrokerMain#run} with one handler planted in front of every connection's pipeline that throws an
 * {@link OutOfMemoryError} on the loop at the first bytes it reads, standing for a real one.
 */
public final class PlantedErrorBroker {
    static final String MESSAGE = "planted on the event loop";

    private PlantedErrorBroker() {
    }

    public static void main(String[] args) {
        int status = BrokerMain.run(args, System.out, System.err, options -> Broker.start(options, PlantedErrorBroker::plant));
        if (status >= 0) {
            System.exit(status);
        }
    }

    private static ChannelHandler plant(ChannelHandler initializer) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(initializer);
                channel.pipeline().addFirst("planted", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        throw new OutOfMemoryError(MESSAGE);
                    }
                });
            }
        };
    }
}
