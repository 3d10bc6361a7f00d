package io.fail2bancluster.bench;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.harness.NatsServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Client start-up, which is ban latency (fail2ban waits for {@code actionban}): wall time of one whole
 * process doing one announce + ping exchange with a broker on loopback, medians of interleaved runs after
 * warm-ups. Ours is the distribution's {@code bin/fail2ban-cluster-client} (dist/target, its AppCDS archive
 * built here with {@code --build-cds}); the baseline is {@link PlainSocketPublish} on the default JVM flags,
 * and python3 doing the same exchange is printed beside it. With nats-server installed, the same publish to
 * a one-node JetStream server (accepted on the stream's acknowledgement) is measured in the same rounds.
 */
public final class StartupBench {
    private static final Duration NATS_READY = Duration.ofSeconds(30);
    private static final String CHANNEL = "Fail2ban";
    private static final String MESSAGE = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final String PYTHON = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            f = s.makefile("rb")
            f.readline()
            s.sendall(("announce %s %s\\nping\\n" % (sys.argv[3], sys.argv[4])).encode())
            for line in f:
                if line.strip().isdigit():
                    sys.exit(0)
            sys.exit(1)
            """;

    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Bench.quick(args);
        int warmups = 3;
        int runs = quick ? 5 : 15;
        Path dist = Path.of(System.getProperty("bench.dist", "dist/target/fail2ban-cluster"));
        Path client = dist.resolve("bin/fail2ban-cluster-client");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // the distribution's python, not a version manager's shim script in front of it
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Bench.header("client start-up: one announce + ping per process, median of " + runs + " after " + warmups
                + " warm-ups (wall time)");
        run(List.of(client.toString(), "--build-cds"), Map.of());

        try (Child broker = new Child(List.of("-Xmx128m"), BrokerMain.class.getName(), "--bind=127.0.0.1", "--port=0",
                "--threads=1")) {
            String port = String.valueOf(Child.portOf(broker.await("listening on", 60)));
            Path config = Files.createTempFile("startup-bench", ".yml");
            Files.writeString(config, "servers:\n  - host: 127.0.0.1\n    port: " + port + "\n    channels:\n"
                    + "      - name: " + CHANNEL + "\n        action: \"fail2ban-client set %jail% %action% %ip%\"\n");
            // the same publish to a real nats-server with JetStream, when one is installed: ack from its stream
            NatsServerProcess nats = NatsServerProcess.binary().isPresent() ? NatsServerProcess.start(NATS_READY) : null;
            Path natsConfig = Files.createTempFile("startup-bench-nats", ".yml");
            if (nats != null) {
                Files.writeString(natsConfig, "servers:\n  - nats: [" + nats.url() + "]\n    channels:\n"
                        + "      - name: " + CHANNEL + "\n        action: \"fail2ban-client set %jail% %action% %ip%\"\n");
            } else {
                Bench.line("NATS rows", "skipped: nats-server is not installed");
            }
            try {
                // the JDK's own base archive replaces ours: the client as it starts before --build-cds
                String noArchive = "-XX:SharedArchiveFile=" + Path.of(System.getProperty("java.home"), "lib", "server",
                        "classes.jsa");
                Map<String, Variant> variants = new LinkedHashMap<>();
                variants.put("plain", new Variant("plain-socket JVM, default flags (baseline)",
                        List.of(java.toString(), "-cp", Path.of(PlainSocketPublish.class.getProtectionDomain()
                                .getCodeSource().getLocation().toURI()).toString(),
                                PlainSocketPublish.class.getName(), "127.0.0.1", port, CHANNEL, MESSAGE), Map.of()));
                variants.put("ours", new Variant("client publish --config, with the archive",
                        publish(client, "--config", config.toString()), Map.of()));
                variants.put("noarchive", new Variant("client publish --config, without the archive",
                        publish(client, "--config", config.toString()), Map.of("JAVA_OPTS", noArchive)));
                variants.put("host", new Variant("client publish --host, with the archive",
                        publish(client, "--host", "127.0.0.1", "-p", port), Map.of()));
                variants.put("python", new Variant(python + ", same exchange",
                        List.of(python, "-c", PYTHON, "127.0.0.1", port, CHANNEL, MESSAGE), Map.of()));
                if (nats != null) {
                    variants.put("nats", new Variant("client publish, NATS, with the archive",
                            publish(client, "--config", natsConfig.toString()), Map.of()));
                    variants.put("natsnoarchive", new Variant("client publish, NATS, without the archive",
                            publish(client, "--config", natsConfig.toString()), Map.of("JAVA_OPTS", noArchive)));
                }

                Map<String, List<Double>> millis = new LinkedHashMap<>();
                variants.keySet().forEach(k -> millis.put(k, new ArrayList<>()));
                for (int i = 0; i < warmups + runs; i++) {
                    for (Map.Entry<String, Variant> v : variants.entrySet()) {
                        double ms = run(v.getValue().command(), v.getValue().env());
                        if (i >= warmups) {
                            millis.get(v.getKey()).add(ms);
                        }
                    }
                }
                double baseline = Bench.median(millis.get("plain"));
                for (Map.Entry<String, Variant> v : variants.entrySet()) {
                    double median = Bench.median(millis.get(v.getKey()));
                    Bench.line(v.getValue().title(), "%5.0f ms  %s", median,
                            v.getKey().equals("plain") ? "" : Bench.ratio(median, baseline));
                }
            } finally {
                Files.deleteIfExists(config);
                Files.deleteIfExists(natsConfig);
                if (nats != null) {
                    nats.close();
                }
            }
        }
    }

    private static List<String> publish(Path client, String... target) {
        List<String> command = new ArrayList<>();
        command.add(client.toString());
        command.add("publish");
        command.addAll(Arrays.asList(target));
        command.addAll(List.of("-c", CHANNEL, "-m", MESSAGE));
        return command;
    }

    private static double run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return Bench.wallMillis(command, env);
    }

    private record Variant(String title, List<String> command, Map<String, String> env) {
    }
}
