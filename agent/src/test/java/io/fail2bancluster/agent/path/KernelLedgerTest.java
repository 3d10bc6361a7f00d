package io.fail2bancluster.agent.path;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerKey;
import io.fail2bancluster.agent.nft.FakeNft;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.NftablesConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ban without {@code bantime} on an {@code enforce: nftables} channel: the ledger's end is the kernel
 * element's (the channel's bantime; -1 permanent), so a restart or a repair writes back the timeout it had.
 */
class KernelLedgerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final FakeNft nft = new FakeNft();
    private final NftEnforcer enforcer = NftEnforcer.start(new NftScript(NftablesConfig.DEFAULTS,
            List.of("hour", "ever")), nft, clock);
    private final EmbeddedChannel channel = new EmbeddedChannel();
    @TempDir
    Path dir;
    private Ledger ledger;

    @AfterEach
    void close() throws Exception {
        enforcer.close();
        ledger.close();
    }

    private static Route enforced(String channel, long bantime) {
        return new Route(channel, List.of(), (c, m) -> null, "enforce: nftables", null, List.of(), Set.of(), 1, null,
                new Route.Enforced(bantime), Set.of());
    }

    @Test
    void aBanWithoutBantimeEndsInTheLedgerWhenItsKernelElementDoes() throws Exception {
        ledger = Ledger.open(dir, 1000, clock);
        Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
        MessagePath.Shared shared = new MessagePath.Shared(channel.eventLoop(), new Deduplicator(Duration.ZERO),
                new FleetCounter(), runner, new ExecReporter(channel.eventLoop().ticker()), ClusterConfig.Limits.DEFAULTS,
                ClusterConfig.DEFAULT_SIGNATURE_WINDOW, clock, ledger, enforcer,
                new ActionRetries(runner, ClusterConfig.DEFAULT_ACTION_RETRY_MAX));
        MessagePath path = new MessagePath(new ServerState("fanout:1986"), 0, new ChannelRoutes(
                Map.of("hour", enforced("hour", 3600), "ever", enforced("ever", -1)), Map.of()), shared);

        path.accept("hour", "jail=sshd, action=banip, ip=192.0.2.7, source=web1");
        path.accept("ever", "jail=sshd, action=banip, ip=192.0.2.8, source=web1");

        assertEquals(Optional.of(NOW.plusSeconds(3600)),
                ledger.get(LedgerKey.of("hour", "sshd", "192.0.2.7")).orElseThrow().end());
        assertEquals(Optional.empty(), ledger.get(LedgerKey.of("ever", "sshd", "192.0.2.8")).orElseThrow().end(),
                "permanent, as in the kernel");
        await().atMost(Duration.ofSeconds(5)).until(() -> String.join("", nft.scripts).contains("ch_ever_v4 {"));
        String all = String.join("", nft.scripts);
        assertTrue(all.contains("ch_hour_v4 { 192.0.2.7 timeout 3600000ms }"), all);
        assertTrue(all.contains("ch_ever_v4 { 192.0.2.8 }"), all);
        assertEquals(List.of(), runner.calls, "no action ran");
    }
}
