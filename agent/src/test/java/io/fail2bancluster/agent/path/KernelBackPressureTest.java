package io.fail2bancluster.agent.path;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.nft.FakeNft;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.NftablesConfig;
import io.fail2bancluster.util.QueueBound;
import io.netty.channel.DefaultEventLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A burst larger than the nftables writer's batch and queue together, while nft is slow: the transport is paused, the rest is held,
 * and once nft goes on every ban reaches the kernel; none is dropped.
 */
class KernelBackPressureTest {
    /** More than the writer's batch (at most 100,000, taken while it gathers) and its queue (100,000) hold. */
    private static final int BURST = 250_000;
    private final FakeNft nft = new FakeNft();
    private final NftEnforcer enforcer = NftEnforcer.start(new NftScript(NftablesConfig.DEFAULTS, List.of("Fail2ban")),
            nft, Clock.systemUTC());
    private final ActionRunner idle = new ActionRunner() {
        @Override
        public void run(io.fail2bancluster.agent.exec.Invocation invocation,
                        java.util.function.Consumer<io.fail2bancluster.agent.exec.ActionResult> whenDone) {
            throw new AssertionError("no action on an enforce: nftables channel");
        }

        @Override
        public CompletableFuture<Void> shutdown(Duration grace) {
            return CompletableFuture.completedFuture(null);
        }
    };
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final RecordingReads recorded = new RecordingReads();
    private final List<String> reads = recorded.calls;
    private final BackPressure pressure = new BackPressure(new ServerState("fanout:1986"),
            QueueBound.either(idle, enforcer), loop, recorded);

    @AfterEach
    void close() {
        nft.release();
        enforcer.close();
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void aBurstPastTheQueueIsHeldNotDropped() throws Exception {
        nft.hold();
        AtomicInteger inKernel = new AtomicInteger();
        Instant until = Instant.now().plusSeconds(600);
        loop.submit(() -> {
            for (int i = 0; i < BURST; i++) {
                AddressRange ip = AddressRange.parse("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255));
                pressure.offer(() -> assertTrue(enforcer.ban("Fail2ban", ip, until, "burst",
                        refused -> inKernel.incrementAndGet())));
            }
        }).get();
        assertTrue(loop.submit(pressure::paused).get(), "reading stopped once the writer's queue was full");
        int held = loop.submit(pressure::held).get();
        assertTrue(held > 0, "held " + held);
        assertTrue(enforcer.full());
        assertEquals(100_000, enforcer.status().queued(), "the queue took its bound, the writer's batch the first ones");
        assertFalse(loop.submit(() -> reads.contains("resume")).get(), "not resumed while the writer's queue is full");

        nft.release();
        await().atMost(Duration.ofSeconds(30)).until(() -> inKernel.get() == BURST);
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.submit(() -> reads.contains("resume")).get());
        assertFalse(loop.submit(pressure::paused).get());
        assertEquals(0, loop.submit(pressure::held).get());
        assertEquals(0, enforcer.status().dropped(), "nothing dropped");
        assertEquals(BURST, enforcer.status().applied());
        assertEquals(BURST, enforcer.status().elements().get("ch_Fail2ban_v4"));
    }
}
