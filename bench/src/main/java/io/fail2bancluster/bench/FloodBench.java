package io.fail2bancluster.bench;

import io.fail2bancluster.harness.FloodLoad;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Broker flood: one publisher writing 64-byte announces as fast as TCP takes them (no pacing, no replies
 * awaited) to 1/100/500 subscribers that read as fast as they can, all in a {@link FloodLoad} process of
 * their own; deliveries per second over the measured window and the server's peak RSS (VmHWM), a fresh
 * server per row. Ours is {@code bin/fail2ban-cluster-broker} of the distribution with its shipped defaults.
 * Beside it in the same run: {@link RawFanout}, the least a fanout server can be (unbounded queues, JVM
 * {@value #RAW_JVM}), and, when {@code -Dfanout.binary=/path/to/fanout} names one, the reference C fanout.
 */
public final class FloodBench {
    private static final String RAW_JVM = "-Xmx256m";
    /** The C fanout formats its port into five bytes: it needs one below 10000. */
    private static final int FANOUT_PORT_MIN = 7000;

    private FloodBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        int warmup = quick ? 1 : 3;
        int measure = quick ? 3 : 10;
        int[] subscriberCounts = quick ? new int[] {1, 100} : new int[] {1, 100, 500};
        Path broker = Path.of(System.getProperty("bench.dist", "dist/target/fail2ban-cluster"),
                "bin", "fail2ban-cluster-broker");
        String fanout = System.getProperty("fanout.binary", "").trim();
        Bench.header("broker flood: a publisher as fast as TCP allows, N subscribers in another process, " + measure
                + " s after " + warmup + " s warm-up; deliveries/s and the server's peak RSS");
        if (fanout.isEmpty()) {
            System.out.println("  (no -Dfanout.binary=/path/to/fanout: the C fanout rows are left out)");
        }
        for (int subscribers : subscriberCounts) {
            Row ours = run(List.of(broker.toString(), "--bind=127.0.0.1", "--port=0"), -1, subscribers, warmup, measure);
            Row raw = run(Child.javaCommand(List.of(RAW_JVM), RawFanout.class.getName()), -1, subscribers, warmup, measure);
            Bench.line(subscribers + " subscriber(s): broker", "%s", ours);
            Bench.line(subscribers + " subscriber(s): raw fan-out", "%s; broker %s", raw, ratio(ours, raw));
            if (!fanout.isEmpty()) {
                int port = freePortBelow10000();
                Row c = run(List.of(fanout, "--port=" + port), port, subscribers, warmup, measure);
                Bench.line(subscribers + " subscriber(s): C fanout", "%s; broker %s", c, ratio(ours, c));
            }
        }
    }

    /** One row's figures, or why there are none. */
    private record Row(double deliveriesPerSecond, long peakRssKib, String trouble) {
        @Override
        public String toString() {
            String figures = String.format("%,.0f deliveries/s, peak RSS %.1f MiB", deliveriesPerSecond, peakRssKib / 1024.0);
            return trouble.isEmpty() ? figures : figures + " (" + trouble + ")";
        }
    }

    private static String ratio(Row ours, Row baseline) {
        return baseline.deliveriesPerSecond() > 0 ? Bench.ratio(ours.deliveriesPerSecond(), baseline.deliveriesPerSecond())
                : "(no baseline figure)";
    }

    /**
     * Starts the server ({@code fixedPort} &lt; 0: it prints the port it listens on), floods it, reads its peak
     * RSS, kills it.
     */
    private static Row run(List<String> server, int fixedPort, int subscribers, int warmup, int measure) throws Exception {
        try (Child process = Child.command(server)) {
            int port = fixedPort >= 0 ? awaitAccepting(fixedPort) : Child.portOf(process.await("listening on", 60));
            try (Child load = new Child(List.of("-Xmx256m"), FloodLoad.class.getName(), String.valueOf(port),
                    String.valueOf(subscribers), String.valueOf(warmup), String.valueOf(measure))) {
                String[] words = load.await("flood deliveries ", warmup + measure + 120).split(" ");
                long peak = peakRssKib(process.pid());
                double rate = Long.parseLong(words[2]) / Double.parseDouble(words[4]);
                String trouble = process.poll("OutOfMemoryError") != null ? "OutOfMemoryError" : "";
                if (!"0".equals(words[8])) {
                    trouble += (trouble.isEmpty() ? "" : ", ") + words[8] + " subscriber(s) closed by the server";
                }
                if (!"0".equals(words[10])) {
                    trouble += (trouble.isEmpty() ? "" : ", ") + words[10] + " subscriber(s) saw a gap";
                }
                return new Row(rate, peak, trouble);
            }
        }
    }

    private static int awaitAccepting(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return port;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing accepts on port " + port);
    }

    private static int freePortBelow10000() throws IOException {
        for (int candidate = FANOUT_PORT_MIN + (int) (ProcessHandle.current().pid() % 2000); candidate < 10000; candidate++) {
            try (ServerSocket probe = new ServerSocket(candidate)) {
                return candidate;
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new IOException("no free port in " + FANOUT_PORT_MIN + "-9999");
    }

    private static long peakRssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM for pid " + pid);
    }
}
