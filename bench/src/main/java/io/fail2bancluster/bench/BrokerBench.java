package io.fail2bancluster.bench;

import io.fail2bancluster.broker.BrokerMain;
import java.util.List;

/**
 * Broker fan-out: 64-byte announces written 1 and 100 per write to 1/100/500 subscribers, publisher and
 * subscribers held by a {@link FanoutLoad} process that counts the lines delivered over the measured window
 * after a warm-up. Baseline: {@link RawFanout}, the least a fanout server can be, under the same load.
 */
public final class BrokerBench {
    private static final List<String> SERVER_JVM = List.of("-Xmx256m", "-XX:+UseParallelGC");

    private BrokerBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        int warmup = quick ? 2 : 5;
        int measure = quick ? 3 : 10;
        int[] subscriberCounts = quick ? new int[] {1, 100} : new int[] {1, 100, 500};
        Bench.header("broker: 64-byte announces to N subscribers in another process, " + measure
                + " s after " + warmup + " s warm-up (server JVM " + String.join(" ", SERVER_JVM) + ")");
        try (Child broker = new Child(SERVER_JVM, BrokerMain.class.getName(), "--bind=127.0.0.1", "--port=0", "--threads=2");
             Child raw = new Child(SERVER_JVM, RawFanout.class.getName())) {
            int brokerPort = Child.portOf(broker.await("listening on", 60));
            int rawPort = Child.portOf(raw.await("listening on", 60));
            for (int perWrite : new int[] {1, 100}) {
                for (int subscribers : subscriberCounts) {
                    double ours = run(brokerPort, subscribers, perWrite, warmup, measure);
                    double baseline = run(rawPort, subscribers, perWrite, warmup, measure);
                    Bench.line(String.format("%d per write, %d subscriber(s)", perWrite, subscribers),
                            "broker %,.0f deliveries/s; raw fan-out %,.0f; broker %s", ours, baseline,
                            Bench.ratio(ours, baseline));
                }
            }
        }
    }

    private static double run(int port, int subscribers, int perWrite, int warmup, int measure) throws Exception {
        try (Child load = new Child(List.of("-Xmx128m"), FanoutLoad.class.getName(), String.valueOf(port),
                String.valueOf(subscribers), String.valueOf(perWrite), String.valueOf(warmup), String.valueOf(measure))) {
            String[] words = load.await("lines ", warmup + measure + 120).split(" ");
            if (!"0".equals(words[5])) {
                System.out.println("  (" + words[5] + " subscriber connection(s) were closed by the server)");
            }
            return Long.parseLong(words[1]) / Double.parseDouble(words[3]);
        }
    }
}
