package io.fail2bancluster.broker;

import io.fail2bancluster.util.BlockingCallGuard;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;

/**
 * Test-only main (it lives on the integration tests' class path, nowhere else): the real broker under
 * the BlockHound guard, with one handler planted in front of every connection's pipeline that sleeps on
 * the loop as the connection opens, a blocking call the guard must catch.
 */
public final class PlantedSleepBroker {

    private PlantedSleepBroker() {
    }

    public static void main(String[] args) {
        if (!BlockingCallGuard.installIfRequested("fail2ban-cluster-broker")) {
            System.exit(1);
        }
        int status = BrokerMain.run(args, System.out, System.err, options -> Broker.start(options, PlantedSleepBroker::plant));
        if (status >= 0) {
            System.exit(status);
        }
    }

    private static ChannelHandler plant(ChannelHandler initializer) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(initializer);
                channel.pipeline().addFirst("planted", new SleepOnTheLoop());
            }
        };
    }

    private static final class SleepOnTheLoop extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            Thread.sleep(1);
            super.channelActive(ctx);
        }
    }
}
