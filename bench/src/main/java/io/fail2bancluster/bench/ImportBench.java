package io.fail2bancluster.bench;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.harness.NatsServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code fail2ban-cluster-client import} of a 100,000-entry blocklist into our broker and into a one-node
 * JetStream server (when nats-server is installed), beside its baseline in the same run: the same bans
 * published with one {@code fail2ban-cluster-client publish} process each, as a script or Ansible loop does
 * today, timed over {@value #BASELINE_SAMPLE} processes and extrapolated to 100,000. Both run the distribution's
 * launcher ({@code bin/fail2ban-cluster-client}, its shipped JVM flags and AppCDS archive), wall time of whole
 * processes. The import's own time includes reading and checking the file and signing nothing (unsigned).
 */
public final class ImportBench {
    private static final Duration NATS_READY = Duration.ofSeconds(30);
    private static final String CHANNEL = "Fail2ban";
    private static final int ENTRIES = 100_000;
    static final int BASELINE_SAMPLE = 200;

    private ImportBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        int runs = quick ? 1 : 3;
        Path dist = Path.of(System.getProperty("bench.dist", "dist/target/fail2ban-cluster"));
        Path client = dist.resolve("bin/fail2ban-cluster-client");
        Bench.header("import of " + ENTRIES + " bans: one client process, beside one publish process per ban ("
                + BASELINE_SAMPLE + " timed, extrapolated), median of " + runs + " (wall time)");
        run(List.of(client.toString(), "--build-cds"));
        Path dir = Files.createTempDirectory("import-bench");
        try {
            Path list = blocklist(dir);
            try (Child broker = new Child(List.of("-Xmx256m"), BrokerMain.class.getName(), "--bind=127.0.0.1",
                    "--port=0")) {
                String port = String.valueOf(Child.portOf(broker.await("listening on", 60)));
                compare("fanout (our broker)", client, config(dir, "fanout.yml", "host: 127.0.0.1\n    port: " + port),
                        list, runs);
            }
            if (NatsServerProcess.binary().isEmpty()) {
                Bench.line("NATS rows", "skipped: nats-server is not installed");
                return;
            }
            try (NatsServerProcess nats = NatsServerProcess.start(NATS_READY)) {
                compare("NATS (one node, file store)", client, config(dir, "nats.yml", "nats: [" + nats.url() + "]"), list,
                        runs);
            }
        } finally {
            Bench.deleteTree(dir);
        }
    }

    private static void compare(String target, Path client, Path config, Path list, int runs) throws Exception {
        List<Double> imports = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            imports.add(run(List.of(client.toString(), "import", list.toString(), "--config", config.toString())));
        }
        double perProcess = 0;
        for (int i = 0; i < BASELINE_SAMPLE; i++) {
            perProcess += run(List.of(client.toString(), "publish", "--config", config.toString(), "-c", CHANNEL, "-m",
                    "jail=sshd, action=banip, ip=192.0.2." + (i % 250) + ", source=bench, bantime=14400"));
        }
        perProcess /= BASELINE_SAMPLE;
        double baseline = perProcess * ENTRIES;
        double ours = Bench.median(imports);
        Bench.line(target + ": publish per ban (baseline)", "%8.0f s  (%.0f ms a process, x %d)", baseline / 1000,
                perProcess, ENTRIES);
        Bench.line(target + ": import", "%8.1f s  %.5fx baseline: %.0fx faster (%.0f bans/s)", ours / 1000,
                ours / baseline, baseline / ours, ENTRIES / (ours / 1000));
    }

    /** 100,000 distinct addresses, a tenth of them IPv6 /64 blocks, with a comment line and blank lines. */
    private static Path blocklist(Path dir) throws IOException {
        StringBuilder text = new StringBuilder("# bench blocklist\n\n");
        for (int i = 0; i < ENTRIES; i++) {
            text.append(i % 10 == 0 ? "2001:db8:" + Integer.toHexString(i >> 16) + ":" + Integer.toHexString(i & 0xffff) + "::/64"
                    : "10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff)).append('\n');
        }
        return Files.writeString(dir.resolve("blocklist.txt"), text);
    }

    private static Path config(Path dir, String name, String entry) throws IOException {
        return Files.writeString(dir.resolve(name), "servers:\n  - " + entry + "\n    channels:\n      - name: " + CHANNEL
                + "\n        action: \"fail2ban-client set %jail% %action% %ip%\"\n");
    }

    private static double run(List<String> command) throws IOException, InterruptedException {
        return Bench.wallMillis(command, Map.of());
    }
}
