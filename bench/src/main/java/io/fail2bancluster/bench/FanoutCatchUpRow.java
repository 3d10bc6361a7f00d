package io.fail2bancluster.bench;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.ledger.Ban;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The fanout row of {@link CatchUpBench}: the same fresh agent facing the same N bans in force, over fanout
 * (our broker), where the fleet answers instead of a stream: one holder agent (in this JVM) whose ledger holds
 * the N bans it made, and the fresh agent ({@link CatchUpAgent}, its own process, an empty {@code state_dir})
 * that asks for everything on its first subscribe, timed from just before it starts until the last ban ran.
 * Runs are 6 s apart: the holder answers one ban at most once per 5 s.
 */
final class FanoutCatchUpRow {
    private static final List<String> BROKER_JVM = List.of("-Xmx256m", "-XX:+UseParallelGC");

    private FanoutCatchUpRow() {
    }

    static List<CatchUpBench.Report> run(int bans, int runs, Path dir) throws Exception {
        try (Child broker = new Child(BROKER_JVM, BrokerMain.class.getName(), "--bind=127.0.0.1", "--port=0",
                "--threads=1")) {
            int port = Child.portOf(broker.await("listening on", 60));
            Path holderDir = Files.createDirectories(dir.resolve("holder"));
            try (Ledger ledger = Ledger.open(holderDir, Math.max(100_000, bans), Clock.systemUTC())) {
                Instant now = Instant.now();
                for (int i = 0; i < bans; i++) {
                    ledger.applied(Ban.of(CatchUpBench.CHANNEL, "holder", "sshd", CatchUpBench.address(i), now, 3600));
                }
            }
            try (Agent holder = Agent.builder(ConfigLoader.parse(config(port, holderDir, "holder"), "holder"))
                    .runner(new Nothing()).ledgerIn(holderDir).start()) {
                List<CatchUpBench.Report> reports = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    Path state = Files.createDirectories(dir.resolve("fanout-state-" + run));
                    Path config = Files.writeString(dir.resolve("fanout-agent-" + run + ".yml"),
                            config(port, state, "fresh-" + run));
                    Thread.sleep(Duration.ofSeconds(6).toMillis());
                    reports.add(CatchUpBench.run(bans, CatchUpAgent.class.getName(), config.toString(),
                            String.valueOf(bans)));
                }
                return reports;
            }
        }
    }

    private static String config(int port, Path stateDir, String hostname) {
        return """
                state_dir: %s
                hostname: %s
                servers:
                  - host: 127.0.0.1
                    port: %d
                %slog_level: 1
                """.formatted(stateDir, hostname, port, CatchUpBench.channels("/bin/true %jail% %action% %ip%", 1));
    }

    /** The holder runs nothing (its bans are its own). */
    private static final class Nothing implements ActionRunner {
        @Override
        public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
            whenDone.accept(new ActionResult.Exited(0, Duration.ZERO, ""));
        }

        @Override
        public CompletableFuture<Void> shutdown(Duration grace) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
