package io.fail2bancluster.bench;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.exec.ProcessActionRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real exec throughput: the agent's {@link ProcessActionRunner} at exec_concurrency 4 running /bin/true,
 * against the plainest thing that does the same: ProcessBuilder from 4 threads, waiting for each.
 */
public final class ExecBench {
    private static final List<String> TRUE = List.of("/bin/true", "sshd", "banip", "192.0.2.7");

    private ExecBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = Bench.quick(args) ? 200 : 3000;
        Bench.header("real exec: " + n + " x /bin/true, 4 at a time");
        runner(n / 10);
        baseline(n / 10);
        double ours = runner(n);
        double baseline = baseline(n);
        Bench.line("ProcessActionRunner, exec_concurrency 4", "%,.0f exec/s", ours);
        Bench.line("baseline ProcessBuilder, 4 threads", "%,.0f exec/s; agent %s", baseline, Bench.ratio(ours, baseline));
    }

    private static double runner(int n) throws InterruptedException {
        ProcessActionRunner runner = ProcessActionRunner.start(4, n, Duration.ofSeconds(30));
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger ok = new AtomicInteger();
        Invocation invocation = new Invocation(TRUE, "bench:1986", "Fail2ban", "jail=sshd");
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            runner.run(invocation, result -> {
                if (result instanceof ActionResult.Exited exited && exited.status() == 0) {
                    ok.incrementAndGet();
                }
                done.countDown();
            });
        }
        done.await();
        double rate = n / ((System.nanoTime() - start) / 1e9);
        runner.shutdown(Duration.ofSeconds(5)).join();
        check(ok.get(), n);
        return rate;
    }

    private static double baseline(int n) throws InterruptedException {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        AtomicInteger ok = new AtomicInteger();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            threads.execute(() -> {
                try {
                    if (new ProcessBuilder(TRUE).start().waitFor() == 0) {
                        ok.incrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        threads.shutdown();
        threads.awaitTermination(1, TimeUnit.HOURS);
        double rate = n / ((System.nanoTime() - start) / 1e9);
        check(ok.get(), n);
        return rate;
    }

    private static void check(int ok, int n) {
        if (ok != n) {
            throw new IllegalStateException(ok + " of " + n + " runs of /bin/true exited 0");
        }
    }
}
