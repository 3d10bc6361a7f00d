package io.fail2bancluster.agent.nft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.NftablesConfig;
import io.fail2bancluster.util.StartFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class NftWriterTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final FakeNft nft = new FakeNft();
    private final NftScript script = new NftScript(NftablesConfig.DEFAULTS, List.of("Fail2ban"));

    @Test
    void aLoneBanIsWrittenAtOnceAndCounted() {
        try (NftEnforcer enforcer = NftEnforcer.start(script, nft, CLOCK)) {
            Map<String, String> outcomes = new ConcurrentHashMap<>();
            assertTrue(enforcer.ban("Fail2ban", AddressRange.parse("192.0.2.7"), CLOCK.instant().plusSeconds(60), "m",
                    refused -> outcomes.put("192.0.2.7", String.valueOf(refused))));
            await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.containsKey("192.0.2.7"));
            assertEquals("null", outcomes.get("192.0.2.7"));
            assertTrue(nft.scripts.contains("add element inet fail2ban_cluster ch_Fail2ban_v4 { 192.0.2.7 timeout 60000ms }\n"),
                    nft.scripts.toString());
            assertEquals(Map.of("ch_Fail2ban_v4", 1, "ch_Fail2ban_v4_net", 0, "ch_Fail2ban_v6", 0,
                    "ch_Fail2ban_v6_net", 0), enforcer.status().elements());
        }
    }

    @Test
    void aRefusedBatchIsSplitSoOnlyTheBadElementFailsAndIsNamed() {
        nft.refuse = s -> s.contains("192.0.2.66") ? "Error: interval overlaps with an existing one" : null;
        NftWriter writer = new NftWriter(nft, CLOCK, script, nft.listed);
        Map<String, String> outcomes = new ConcurrentHashMap<>();
        for (String ip : List.of("192.0.2.1", "192.0.2.2", "192.0.2.66", "192.0.2.4", "192.0.2.5")) {
            assertTrue(writer.offer(new NftOp("ch_Fail2ban_v4", AddressRange.parse(ip), Instant.MAX, "msg " + ip,
                    refused -> outcomes.put(ip, String.valueOf(refused)))));
        }
        Thread thread = new Thread(writer);
        thread.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 5);
        writer.stop();
        assertEquals("Error: interval overlaps with an existing one", outcomes.get("192.0.2.66"));
        outcomes.remove("192.0.2.66");
        outcomes.values().forEach(o -> assertEquals("null", o));
        assertEquals(1, writer.status().failed());
        assertEquals(4, writer.status().applied());
        assertEquals(4, writer.status().elements().get("ch_Fail2ban_v4"));
    }

    @Test
    void aFlushedTableIsRebuiltWithTheElementsInForce() {
        NftWriter writer = new NftWriter(nft, CLOCK, script, nft.listed);
        writer.seed("ch_Fail2ban_v4", AddressRange.parse("192.0.2.9"), Instant.MAX);
        writer.seed("ch_Fail2ban_v4", AddressRange.parse("192.0.2.10"), CLOCK.instant().minusSeconds(1));
        assertEquals(false, writer.reconcile());
        nft.listed = null; // nft flush ruleset
        nft.scripts.clear();
        assertTrue(writer.reconcile());
        assertTrue(nft.scripts.get(0).startsWith("add table inet fail2ban_cluster\n"), nft.scripts.get(0));
        assertEquals("add element inet fail2ban_cluster ch_Fail2ban_v4 { 192.0.2.9 }\n", nft.scripts.get(1));
        assertEquals(1, writer.status().repairs());
    }

    @Test
    void aHostWithoutNftOrTheCapabilityIsToldWhatIsMissing() {
        nft.refuse = s -> "cannot run nft: Cannot run program \"nft\": error=2, No such file or directory";
        StartFailure missing = assertThrows(StartFailure.class, () -> NftEnforcer.start(script, nft, CLOCK));
        assertTrue(missing.getMessage().contains("the nft program is not installed or not on PATH"), missing.getMessage());
        nft.refuse = s -> "netlink: Error: cache initialization failed: Operation not permitted";
        StartFailure denied = assertThrows(StartFailure.class, () -> NftEnforcer.start(script, nft, CLOCK));
        assertTrue(denied.getMessage().contains("needs the CAP_NET_ADMIN capability"), denied.getMessage());
        assertNull(new FakeNft().run("x"));
    }

    @Test
    void aFullQueueSaysSoTakesMoreUpToItsHardBoundAndCallsAWaiterOnceDrainedToHalf() {
        NftWriter writer = new NftWriter(nft, CLOCK, script, nft.listed);
        for (int i = 0; i < NftWriter.QUEUE; i++) {
            assertEquals(i >= NftWriter.QUEUE, writer.full());
            assertTrue(writer.offer(new NftOp("ch_Fail2ban_v4", AddressRange.parse("10.0.0.1"), Instant.MAX, "m", o -> { })));
        }
        assertTrue(writer.full());
        assertTrue(writer.offer(new NftOp("ch_Fail2ban_v4", AddressRange.parse("10.0.0.2"), Instant.MAX, "m", o -> { })),
                "a caller that did not ask full() first is still taken, up to the hard bound");
        java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
        writer.whenDrained(woken::incrementAndGet);
        assertEquals(0, woken.get(), "not while full");
        Thread thread = new Thread(writer);
        thread.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> woken.get() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.status().applied() == NftWriter.QUEUE + 1);
        writer.whenDrained(woken::incrementAndGet);
        assertEquals(2, woken.get(), "at once when there is room");
        assertEquals(0, writer.status().dropped());
        writer.stop();
    }

    @Test
    void aFlushedSetOrADeletedRuleIsRepairedWithTheElementsInForce() {
        String terse = NftListingTest.TERSE.replace("set s {", "set ch_Fail2ban_v4 {")
                .replace("set n {", "set ch_Fail2ban_v4_net {").replace("set e {", "set ch_Fail2ban_v6 {");
        String full = terse.replace("\t\tflags timeout\n\t}\n\n\tset ch_Fail2ban_v4_net", "\t\tflags timeout\n"
                + "\t\telements = { 192.0.2.9, 192.0.2.11 timeout 1m expires 1s }\n\t}\n\n\tset ch_Fail2ban_v4_net");
        nft.listed = full;
        NftWriter writer = new NftWriter(nft, CLOCK, script, NftListing.shapeOf(full));
        writer.seed("ch_Fail2ban_v4", AddressRange.parse("192.0.2.9"), Instant.MAX);
        writer.seed("ch_Fail2ban_v4", AddressRange.parse("192.0.2.11"), CLOCK.instant().plusSeconds(1));
        assertEquals(false, writer.reconcile(), "the kernel holds what the agent knows");
        nft.listed = terse; // nft flush set inet fail2ban_cluster ch_Fail2ban_v4: the shape is unchanged
        nft.scripts.clear();
        assertTrue(writer.reconcile());
        assertTrue(nft.scripts.get(1).contains("ch_Fail2ban_v4 { 192.0.2.9"), nft.scripts.toString());
        assertTrue(nft.scripts.get(1).contains("192.0.2.11 timeout 1000ms"), "renewed to its true end: " + nft.scripts);
        assertEquals(1, writer.status().repairs());

        nft.listed = full.replace("\t\tip saddr @s drop\n", ""); // nft delete rule ...
        assertTrue(writer.reconcile(), "a deleted rule changes the shape");
        assertEquals(2, writer.status().repairs());
    }
}
