package io.fail2bancluster.bench;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.assembly.AgentBuilder;
import io.fail2bancluster.agent.daemon.Logging;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The agent of {@link CatchUpBench}, in a process of its own: the real {@link Agent} on a config, its
 * actions handed to a runner that records the address and answers "exit 0" at once. Prints the bench's
 * report line once {@code <count>} distinct addresses ran, timed from just before {@link AgentBuilder#start}.
 *
 * <p>Usage: {@code CatchUpAgent <config.yml> <count>}
 */
public final class CatchUpAgent {
    private CatchUpAgent() {
    }

    public static void main(String[] args) throws Exception {
        ClusterConfig config = ConfigLoader.load(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        Logging.configure(new Logging.Settings(config.logLevel(), config.logFile(), true));
        Recording runner = new Recording(count);
        long start = System.nanoTime();
        // with its ledger in state_dir, as the daemon runs it: on fanout it also asks the fleet
        try (Agent agent = Agent.builder(config).runner(runner).ledgerIn(config.stateDir()).start()) {
            if (!runner.all.await(600, TimeUnit.SECONDS)) {
                throw new IllegalStateException(runner.addresses.size() + " of " + count + " bans ran within 600 s");
            }
            CatchUpBench.report(count, start, runner.first);
            if (runner.runs.get() != count) {
                throw new IllegalStateException(runner.runs.get() + " runs for " + count + " addresses: some ran twice");
            }
        }
    }

    /** Answers on the agent's loop, as the load harness' runner does: the agent posts results back through it. */
    private static final class Recording implements ActionRunner {
        private static final ActionResult DONE = new ActionResult.Exited(0, Duration.ZERO, "");

        final Set<String> addresses = ConcurrentHashMap.newKeySet();
        final AtomicLong runs = new AtomicLong();
        final CountDownLatch all;
        /** System.nanoTime() of the first run. */
        volatile long first;

        Recording(int count) {
            all = new CountDownLatch(count);
        }

        @Override
        public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
            if (runs.incrementAndGet() == 1) {
                first = System.nanoTime();
            }
            if (addresses.add(invocation.argv().get(invocation.argv().size() - 1))) {
                all.countDown();
            }
            whenDone.accept(DONE);
        }

        @Override
        public CompletableFuture<Void> shutdown(Duration grace) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
