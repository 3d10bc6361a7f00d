package io.fail2bancluster.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A SIGTERM must end the broker whatever its loops do: close() waits, but only so long. */
class BrokerCloseTest {
    @Test
    void closeGivesUpOnALoopThatIsStuckWithinItsBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean stuck = new AtomicBoolean();
        BrokerOptions options = BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0).withThreads(1);
        Broker broker = Broker.start(options, initializer -> new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(initializer).addFirst(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws InterruptedException {
                        stuck.set(true);
                        release.await(60, TimeUnit.SECONDS); // a loop that never comes back
                    }
                });
            }
        });
        try (Socket client = new Socket("127.0.0.1", broker.port())) {
            assertTrue(client.isConnected());
            await().atMost(Duration.ofSeconds(10)).untilTrue(stuck);
            long start = System.nanoTime();
            boolean stopped = broker.closeWithin();
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertFalse(stopped, "the stuck loop cannot have stopped");
            assertTrue(seconds <= 2L * Broker.CLOSE_WAIT_SECONDS + 1, "close() took " + seconds + " s");
        } finally {
            release.countDown();
        }
    }
}
