package io.fail2bancluster.bench;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.harness.NatsServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Catch-up into a real fail2ban: a fresh agent (empty {@code state_dir}, {@code fail2ban-clusterd run} on the
 * launcher's JVM flags) facing N distinct active bans in a private one-node JetStream stream (published as
 * {@link CatchUpBench} does), its channel's action the real {@code fail2ban-client} on a
 * {@link PrivateFail2ban}, with {@code batch} {@value #BATCH} and the default {@code exec_concurrency}
 * {@value #CONCURRENCY}; timed from the agent's start (its JVM's launch) until {@code get JAIL banned}
 * lists all N. The baseline, what a user would do instead: the same N addresses handed to the same fail2ban
 * by {@code fail2ban-client set JAIL banip A B C ...}, {@value #BATCH} a process, {@value #CONCURRENCY}
 * processes at once as the agent runs them, timed the same way. The jail is emptied ({@code unban --all})
 * before each; one run of each, the baseline first (at 10,000 bans a run takes under a minute on a quiet
 * 2-core machine, two under load). With {@code --kernel} ({@code bench/run nft-catchup}, in a network namespace
 * of its own) a third row: the same catch-up with {@code enforce: nftables}, into the kernel ({@link KernelCatchUp}).
 */
public final class CatchUpFail2banBench {
    private static final String JAIL = "catchup";
    /** What docs/fail2ban.md recommends for a channel feeding fail2ban; the config's default is 1 (off). */
    private static final int BATCH = 100;
    /** The agent's default {@code exec_concurrency}. */
    private static final int CONCURRENCY = 4;
    private static final long GIVE_UP_SECONDS = 900;

    private CatchUpFail2banBench() {
    }

    public static void main(String[] args) throws Exception {
        int bans = Bench.quick(args) ? 1000 : 10_000;
        boolean kernel = java.util.Arrays.asList(args).contains("--kernel");
        if (!PrivateFail2ban.installed() || NatsServerProcess.binary().isEmpty()) {
            System.out.println("catch-up into fail2ban: skipped, it needs /usr/bin/fail2ban-server and nats-server "
                    + "(apt-get install fail2ban nats-server)");
            return;
        }
        Bench.header(String.format("catch-up into a real fail2ban: a fresh agent facing %,d active bans in a one-node "
                + "JetStream stream, batch %d, exec_concurrency %d", bans, BATCH, CONCURRENCY));
        Path dir = Files.createTempDirectory("f2bc-catchupf2bbench");
        try (NatsServerProcess nats = NatsServerProcess.start(CatchUpBench.NATS_READY);
             PrivateFail2ban fail2ban = PrivateFail2ban.start(dir.resolve("fail2ban"), JAIL)) {
            double published = CatchUpBench.publish(nats.url(), bans);
            Bench.line("published (async, each acknowledged)", "%,d bans in %.2f s", bans, published);
            double base = direct(fail2ban, bans);
            Bench.line("fail2ban-client banip, " + BATCH + " a process (baseline)", "%7.1f s  %6.1f bans/s", base,
                    bans / base);
            double agent = agent(fail2ban, nats.url(), Files.createDirectories(dir.resolve("agent")), bans);
            Bench.line("fresh agent on NATS, batch " + BATCH, "%7.1f s  %6.1f bans/s  %s", agent, bans / agent,
                    Bench.ratio(agent, base));
            if (kernel) {
                KernelCatchUp.Result k = KernelCatchUp.run(nats.url(), Files.createDirectories(dir.resolve("kernel")),
                        bans, GIVE_UP_SECONDS);
                Bench.line("fresh agent on NATS, into the kernel", "%7.1f s  %6.1f bans/s  %s; %.2f s from the first "
                        + "message read to the last ban in the kernel", k.total(), bans / k.total(),
                        Bench.ratio(k.total(), base), k.fromRead());
            }
        } finally {
            Bench.deleteTree(dir);
        }
    }

    /** The baseline: the addresses in stream order, {@value #BATCH} to a {@code fail2ban-client}, a few at once. */
    private static double direct(PrivateFail2ban fail2ban, int bans) throws Exception {
        fail2ban.unbanAll();
        List<List<String>> commands = new ArrayList<>();
        for (int from = 0; from < bans; from += BATCH) {
            List<String> command = new ArrayList<>(List.of("set", JAIL, "banip"));
            for (int i = from; i < Math.min(bans, from + BATCH); i++) {
                command.add(CatchUpBench.address(i));
            }
            commands.add(command);
        }
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            long start = System.nanoTime();
            List<Future<String>> runs = new ArrayList<>();
            for (List<String> command : commands) {
                runs.add(clients.submit(() -> fail2ban.client(command.toArray(String[]::new))));
            }
            double seconds = fail2ban.secondsUntilBanned(start, bans, GIVE_UP_SECONDS);
            for (Future<String> run : runs) {
                run.get(); // a client that failed fails the bench
            }
            return seconds;
        } finally {
            clients.shutdownNow();
        }
    }

    /** Ours: a fresh agent process; its actions hand every waiting ban of a batch to one fail2ban-client. */
    private static double agent(PrivateFail2ban fail2ban, String url, Path dir, int bans) throws Exception {
        fail2ban.unbanAll();
        String action = "fail2ban-client -s " + fail2ban.socket() + " set " + JAIL + " banip %ip%";
        Path config = Files.writeString(dir.resolve("agent.yml"), CatchUpBench.agentConfig(url,
                Files.createDirectories(dir.resolve("state")), action, BATCH)
                + "control_socket: " + dir.resolve("control.sock") + "\n");
        long start = System.nanoTime();
        try (Child agent = new Child(MemoryBench.LAUNCHER_JVM, AgentMain.class.getName(), "--config",
                config.toString(), "run")) {
            return fail2ban.secondsUntilBanned(start, bans, GIVE_UP_SECONDS);
        }
    }
}
