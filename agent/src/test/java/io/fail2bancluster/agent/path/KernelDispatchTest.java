package io.fail2bancluster.agent.path;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.nft.FakeNft;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.NftablesConfig;
import io.fail2bancluster.protocol.Message;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What of a message that passed the path reaches the kernel through an enforce: nftables route, and how long. */
class KernelDispatchTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final FakeNft nft = new FakeNft();
    private final NftEnforcer enforcer = NftEnforcer.start(new NftScript(NftablesConfig.DEFAULTS, List.of("Fail2ban")),
            nft, clock);
    private final ServerState state = new ServerState("fanout:1986");
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final KernelDispatch kernel = new KernelDispatch(state, channel.eventLoop(), enforcer, clock);
    private final Route route = new Route("Fail2ban", List.of(), (c, m) -> null, "enforce: nftables", null,
            List.of(AddressRange.parse("10.9.0.0/16")), Set.of(), 1, null, new Route.Enforced(600), Set.of());
    private int settled;

    @AfterEach
    void close() {
        enforcer.close();
    }

    private void deliver(String message, Instant entered) {
        kernel.dispatch(route, Message.parse(message), entered, 0, () -> settled++);
    }

    private void awaitSettled(int count) {
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            channel.runPendingTasks();
            return settled == count;
        });
    }

    @Test
    void aBanTakesWhatIsLeftOfItsBantimeFromWhenItEntered() {
        deliver("jail=sshd, action=banip, ip=192.0.2.7, bantime=100", NOW.minusSeconds(40));
        deliver("jail=sshd, action=banip, ip=2001:db8::/64", null);
        deliver("jail=sshd, action=banip, ip=198.51.100.0/24, bantime=-1", null);
        awaitSettled(3);
        String all = String.join("", nft.scripts);
        assertTrue(all.contains("192.0.2.7 timeout 60000ms"), all);
        assertTrue(all.contains("ch_Fail2ban_v6_net { 2001:db8::/64 timeout 600000ms }"), all);
        assertTrue(all.contains("198.51.100.0/24 }"), all);
        assertEquals(3, state.count(Counter.EXECUTED));
    }

    @Test
    void aBanAnnouncedAgainKeepsTheEndItsOriginNamed() {
        deliver("jail=sshd, action=banip, ip=192.0.2.9, bantime=30, until=" + NOW.plusSeconds(90).getEpochSecond(), null);
        awaitSettled(1);
        assertTrue(String.join("", nft.scripts).contains("192.0.2.9 timeout 90000ms"), nft.scripts.toString());
    }

    @Test
    void loopbackIgnoredRangesAndMalformedValuesNeverReachTheKernel() {
        int before = nft.scripts.size();
        deliver("jail=sshd, action=banip, ip=127.0.0.2", null);
        deliver("jail=sshd, action=banip, ip=::1", null);
        deliver("jail=sshd, action=banip, ip=0.0.0.0/0", null);
        deliver("jail=sshd, action=banip, ip=10.0.0.0/8", null); // covers ignore_ip 10.9.0.0/16
        deliver("jail=sshd, action=banip, ip=not-an-ip", null);
        deliver("jail=sshd, action=banip, ip=192.0.2.7, bantime=soon", null);
        deliver("jail=sshd, action=restart, ip=192.0.2.7", null);
        awaitSettled(7);
        assertEquals(before, nft.scripts.size());
        assertEquals(7, state.count(Counter.REJECTED));
    }

    @Test
    void anUnbanDeletesAndABanThatEndedBeforeItArrivedIsSkipped() {
        deliver("jail=sshd, action=unbanip, ip=192.0.2.7", null);
        deliver("jail=sshd, action=banip, ip=192.0.2.8, bantime=10", NOW.minusSeconds(20));
        awaitSettled(2);
        String all = String.join("", nft.scripts);
        assertTrue(all.contains("delete element inet fail2ban_cluster ch_Fail2ban_v4 { 192.0.2.7 }"), all);
        assertFalse(all.contains("192.0.2.8"), all);
        assertEquals(1, state.count(Counter.FILTERED_OUT));
    }
}
