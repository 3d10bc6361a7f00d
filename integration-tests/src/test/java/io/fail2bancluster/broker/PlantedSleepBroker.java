package io.fail2bancluster.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Test-only main (it lives on the integration tests' class path, nowhere else): the real broker under
 * the BlockHound guard, with a handler that sleeps on the loop as each connection opens, a blocking call
 * the guard must catch.
 */
public final class PlantedSleepBroker {

    private PlantedSleepBroker() {
    }

    public static void main(String[] args) {
        PlantedBroker.main(args, SleepOnTheLoop::new);
    }

    private static final class SleepOnTheLoop extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            Thread.sleep(1);
            super.channelActive(ctx);
        }
    }
}
