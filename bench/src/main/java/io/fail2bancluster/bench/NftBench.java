package io.fail2bancluster.bench;

import io.fail2bancluster.agent.nft.NftCommand;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftProcess;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.NftablesConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code enforce: nftables} beside its floor, in a network namespace of its own ({@code bench/run} starts it under
 * {@code unshare -n}, so the host's ruleset is never touched): a lone ban through the agent's enforcer (queue,
 * writer thread, its long-lived {@code nft -i}; and with one {@code nft -f -} per batch) against a bare
 * {@code nft add element} process and {@code fail2ban-client set banip}; 100,000 bans arriving at
 * once against {@code nft -f} of the same elements from a file.
 */
public final class NftBench {
    private NftBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int lone = quick ? 50 : 200;
        int burst = 100_000;
        NftCommand nft = NftEnforcer.systemNft();
        NftScript script = new NftScript(NftablesConfig.DEFAULTS, List.of("Bench"));
        String set = NftScript.setName("Bench", false);
        System.out.println("nftables (in its own network namespace), " + lone + " lone bans, a burst of " + burst);

        // baseline: a bare nft add element process per ban
        check(nft.run(script.assertion(List.of())));
        long[] bare = new long[lone];
        for (int i = 0; i < lone; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("nft", "add", "element", "inet", "fail2ban_cluster", set,
                    "{ 10.200." + (i >> 8) + "." + (i & 255) + " timeout 3600s }").inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("nft add element failed");
            }
            bare[i] = System.nanoTime() - t;
        }
        long[] perBatch;
        try (NftEnforcer enforcer = NftEnforcer.start(script, new NftProcess("nft", Duration.ofSeconds(60)),
                Clock.systemUTC())) {
            warmUp(enforcer, "10.205.0.");
            perBatch = loneBans(enforcer, lone, "10.206.");
        }
        try (NftEnforcer enforcer = NftEnforcer.start(script, nft, Clock.systemUTC())) {
            warmUp(enforcer, "10.202.0.");
            long[] agent = loneBans(enforcer, lone, "10.201.");
            row("lone ban, bare `nft add element` process", bare);
            row("lone ban, enforcer, one `nft -f -` per batch", perBatch);
            row("lone ban, the agent's enforcer (`nft -i`)", agent);
            fail2banRow(Math.min(lone, 30));

            // baseline: nft -f of the same 100,000 elements from a file, into an empty set of a table of its own
            // (emptying the enforcer's set behind its back would have it repair the set at its next reconcile)
            check(nft.run("add table inet bench_floor\nadd set inet bench_floor s { type ipv4_addr; flags timeout; }\n"));
            StringBuilder file = new StringBuilder("add element inet bench_floor s { ");
            for (int i = 0; i < burst; i++) {
                file.append(i == 0 ? "" : ", ").append(burstAddress(i)).append(" timeout 3600s");
            }
            Path path = Files.writeString(Files.createTempFile("nft-bench", ".nft"), file.append(" }\n"),
                    StandardCharsets.UTF_8);
            long t = System.nanoTime();
            Process p = new ProcessBuilder("nft", "-f", path.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("nft -f failed");
            }
            long floor = System.nanoTime() - t;
            Files.delete(path);
            check(nft.run("delete table inet bench_floor\n"));
            CountDownLatch all = new CountDownLatch(burst);
            long before = enforcer.status().batches();
            Instant until = Instant.now().plusSeconds(3600);
            t = System.nanoTime();
            for (int i = 0; i < burst; i++) {
                if (!enforcer.ban("Bench", AddressRange.parse(burstAddress(i)), until, "bench", refused -> all.countDown())) {
                    throw new IllegalStateException("queue full at " + i);
                }
            }
            all.await(10, TimeUnit.MINUTES);
            long ours = System.nanoTime() - t;
            System.out.printf("  burst of %,d, `nft -f` from a file (floor)   %8.0f ms%n", burst, floor / 1e6);
            System.out.printf("  burst of %,d, the agent's enforcer          %8.0f ms  (%.1fx the floor; %d nft transactions)%n",
                    burst, ours / 1e6, (double) ours / floor, enforcer.status().batches() - before);
            long[] full = loneBans(enforcer, lone, "10.204.");
            row("lone ban, enforcer, set already holding 100,000", full);
        }
    }

    /** The baseline of today's path: one {@code fail2ban-client set JAIL banip} process per ban, to its answer. */
    private static void fail2banRow(int count) throws Exception {
        if (!PrivateFail2ban.installed()) {
            System.out.println("  lone ban, `fail2ban-client set banip`: skipped (no fail2ban-server)");
            return;
        }
        Path dir = Files.createTempDirectory("nft-bench-f2b");
        try (PrivateFail2ban fail2ban = PrivateFail2ban.start(dir, "bench")) {
            long[] took = new long[count];
            for (int i = 0; i < count; i++) {
                long t = System.nanoTime();
                fail2ban.client("set", "bench", "banip", "10.203.0." + i);
                took[i] = System.nanoTime() - t;
            }
            row("lone ban, `fail2ban-client set banip` process", took);
        }
    }

    /** Class loading and the JIT (and the long-lived nft's start), not measured. */
    private static void warmUp(NftEnforcer enforcer, String prefix) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            CountDownLatch done = new CountDownLatch(1);
            enforcer.ban("Bench", AddressRange.parse(prefix + i), Instant.now().plusSeconds(60), "warm-up",
                    refused -> done.countDown());
            done.await(10, TimeUnit.SECONDS);
        }
    }

    /** {@code count} bans one at a time through the enforcer, each timed from the call to nft's answer. */
    private static long[] loneBans(NftEnforcer enforcer, int count, String prefix) throws InterruptedException {
        long[] took = new long[count];
        for (int i = 0; i < count; i++) {
            CountDownLatch done = new CountDownLatch(1);
            long started = System.nanoTime();
            enforcer.ban("Bench", AddressRange.parse(prefix + (i >> 8) + "." + (i & 255)),
                    Instant.now().plusSeconds(3600), "bench", refused -> done.countDown());
            done.await(10, TimeUnit.SECONDS);
            took[i] = System.nanoTime() - started;
        }
        return took;
    }

    private static String burstAddress(int i) {
        return "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
    }

    private static void check(String refused) {
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
    }

    private static void row(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("  %-46s p50 %6.2f ms  p99 %6.2f ms%n", what, sorted[sorted.length / 2] / 1e6,
                sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1e6);
    }
}
