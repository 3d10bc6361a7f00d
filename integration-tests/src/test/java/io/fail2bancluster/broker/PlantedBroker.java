package io.fail2bancluster.broker;

import io.fail2bancluster.util.BlockingCallGuard;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.util.function.Supplier;

/**
 * What the test-only broker mains share: the real {@link BrokerMain#run}, under the BlockHound guard when
 * the tests ask for it, with one handler planted in front of every connection's pipeline.
 */
final class PlantedBroker {

    private PlantedBroker() {
    }

    static void main(String[] args, Supplier<ChannelHandler> planted) {
        if (!BlockingCallGuard.installIfRequested("fail2ban-cluster-broker")) {
            System.exit(1);
        }
        int status = BrokerMain.run(args, System.out, System.err, options -> Broker.start(options,
                initializer -> new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(initializer);
                        channel.pipeline().addFirst("planted", planted.get());
                    }
                }));
        if (status >= 0) {
            System.exit(status);
        }
    }
}
