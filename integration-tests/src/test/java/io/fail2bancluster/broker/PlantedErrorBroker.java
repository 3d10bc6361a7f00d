package io.fail2bancluster.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

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
        PlantedBroker.main(args, () -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                throw new OutOfMemoryError(MESSAGE);
            }
        });
    }
}
