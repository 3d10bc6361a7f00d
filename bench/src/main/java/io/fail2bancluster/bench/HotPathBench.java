package io.fail2bancluster.bench;

import java.util.Collection;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link HotPathBenchmark} under JMH (with the GC profiler for bytes/op) and prints it beside its baselines. */
public final class HotPathBench {
    private HotPathBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(HotPathBenchmark.class.getName())
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend("-Xmx256m")
                .forks(quick ? 1 : 3)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 2 : 5)
                .measurementTime(TimeValue.seconds(quick ? 1 : 2));
        Collection<RunResult> results = new Runner(options.build()).run();
        double ours = 0, ourBytes = 0;
        Bench.header("hot path: the assembled server pipeline (frame, decode, session, limits, signature, filter, "
                + "dedupe, render), one signed message, one thread");
        for (RunResult run : results) {
            String name = run.getParams().getBenchmark().replaceAll(".*\\.", "");
            double ns = run.getPrimaryResult().getScore();
            double bytes = allocated(run.getSecondaryResults());
            if (name.equals("agentHotPath")) {
                ours = ns;
                ourBytes = bytes;
            }
        }
        Bench.line("agent hot path", "%.0f ns/op, %.0f B/op = %,.0f messages/s on one core", ours, ourBytes, 1e9 / ours);
        for (RunResult run : results) {
            String name = run.getParams().getBenchmark().replaceAll(".*\\.", "");
            if (!name.equals("agentHotPath")) {
                double ns = run.getPrimaryResult().getScore();
                Bench.line("baseline " + name, "%.0f ns/op, %.0f B/op; agent/baseline time %.2f, bytes %.2f",
                        ns, allocated(run.getSecondaryResults()), ours / ns, ourBytes / allocated(run.getSecondaryResults()));
            }
        }
    }

    private static double allocated(Map<String, Result> secondary) {
        for (Map.Entry<String, Result> e : secondary.entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return e.getValue().getScore();
            }
        }
        return Double.NaN;
    }
}
