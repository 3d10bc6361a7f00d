package io.fail2bancluster.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ban hand-off: how long fail2ban waits for one ban to leave its hands. A real broker (the distribution's
 * launcher, shipped defaults) and a real agent (its launcher; a fanout server = that broker, its own control
 * socket and state_dir in a temp dir) run for the whole bench; every variant is measured once per round,
 * rounds interleaved, each ban a new address:
 * <ul>
 * <li>the shipped Python action ({@code etc/fail2ban/action.d/fail2ban_cluster.py} of the distribution),
 * loaded once into a long-lived python3 the way fail2ban loads it ({@code Actions._load_python_module},
 * then {@code Action(jail, name, **options)}), timing each {@code ban(aInfo)}: hand-over to the agent, which
 * answers once the entry is synced to disk in its outbox;</li>
 * <li>{@code fail2ban-cluster-client publish --agent SOCKET}, process start to exit (what a {@code .conf}
 * action pays), and {@code publish --config FILE} straight to the broker (announce + ping);</li>
 * <li>the baseline: in the same python3 process, a bare write of the same {@code publish} request to the
 * control socket and read of the reply, the least any hand-off to the agent costs;</li>
 * <li>beside it, a fresh python3 doing that bare write: the cheapest process an action could start.</li>
 * </ul>
 * The agent skips its own bans ({@code skip_own}), so none runs an action while the bench measures.
 */
public final class HandOffBench {
    private static final String CHANNEL = "Fail2ban";
    private static final String JAIL = "sshd";
    private static final String HOST = "handoff-bench";
    private static final int WARMUPS = 5;
    private static final String PYTHON = "/usr/bin/python3";
    /**
     * The bare exchange, the same as the action's: one request line on the control socket, the reply up to
     * its empty line; anything but "ok" raises.
     */
    private static final String BARE = """
            import socket, sys, time
            def bare(sock, request):
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(5)
                    s.connect(sock)
                    s.sendall(request.encode("utf-8"))
                    reply = b""
                    while not reply.endswith(b"\\n\\n"):
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        reply += chunk
                if reply.split(b"\\n", 1)[0] != b"ok":
                    raise RuntimeError("the agent answered %r" % reply)
            """;
    /** A fresh python3 doing one bare exchange: socket, channel and message in argv. */
    private static final String BARE_PROCESS = BARE + """
            bare(sys.argv[1], "publish %s %s\\n" % (sys.argv[2], sys.argv[3]))
            """;
    /**
     * The long-lived python3: loads the action as fail2ban does, then for each stdin line "action IP" or
     * "bare IP" does one ban hand-off and prints its time in nanoseconds, or "error ..." on any failure.
     */
    private static final String DRIVER = BARE + """
            from fail2ban.server.actions import Actions
            action_file, sock, channel, jail_name, host = sys.argv[1:6]
            class Jail:
                name = jail_name
            module = Actions._load_python_module(action_file)
            # client=/bin/false: a fallback to the client would fail the ban, and the bench with it
            action = module.Action(Jail(), "fail2ban_cluster", socket=sock, channel=channel, source=host,
                client="/bin/false")
            action.start()
            print("ready", flush=True)
            for line in sys.stdin:
                kind, ip = line.split()
                try:
                    start = time.perf_counter_ns()
                    if kind == "action":
                        action.ban({"ip": ip, "bantime": 600})
                    else:
                        bare(sock, "publish %s jail=%s, action=banip, ip=%s, source=%s, bantime=600\\n"
                            % (channel, jail_name, ip, host))
                    print(time.perf_counter_ns() - start, flush=True)
                except Exception as e:
                    print("error %s: %r" % (kind, e), flush=True)
            """;

    private int address;

    private HandOffBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Bench.quick(args) ? 30 : 200;
        Path dist = Path.of(System.getProperty("bench.dist", "dist/target/fail2ban-cluster"));
        Path actionFile = dist.resolve("etc/fail2ban/action.d/fail2ban_cluster.py");
        if (new ProcessBuilder(PYTHON, "-c", "import fail2ban.server.actions").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() != 0) {
            System.out.println("ban hand-off: skipped, " + PYTHON + " cannot import fail2ban (apt-get install fail2ban)");
            return;
        }
        Bench.header("ban hand-off from fail2ban: " + runs + " bans per variant after " + WARMUPS
                + " warm-ups, rounds interleaved; a real broker and agent (their launchers)");
        new HandOffBench().run(dist, actionFile, runs);
    }

    private void run(Path dist, Path actionFile, int runs) throws Exception {
        Path client = dist.resolve("bin/fail2ban-cluster-client");
        // the client as installed: the package builds its AppCDS archive
        time(List.of(client.toString(), "--build-cds"));
        Path dir = Files.createTempDirectory("f2bc-handoffbench");
        try (Child broker = Child.command(List.of(dist.resolve("bin/fail2ban-cluster-broker").toString(),
                "--bind=127.0.0.1", "--port=0"))) {
            int port = Child.portOf(broker.await("listening on", 60));
            Path socket = dir.resolve("control.sock");
            Files.createDirectories(dir.resolve("state"));
            Path agentConfig = dir.resolve("agent.yml");
            // skip_own: the agent's own bans come back from the broker and are not run here, as on a real host
            Files.writeString(agentConfig, """
                    servers:
                      - host: 127.0.0.1
                        port: %d
                        channels:
                          - name: %s
                            action: "/bin/true %%ip%%"
                            skip_own: true
                    hostname: %s
                    log_level: 1
                    control_socket: %s
                    state_dir: %s
                    """.formatted(port, CHANNEL, HOST, socket, dir.resolve("state")));
            Path clientConfig = dir.resolve("client.yml");
            Files.writeString(clientConfig, "servers:\n  - host: 127.0.0.1\n    port: " + port + "\n    channels:\n"
                    + "      - name: " + CHANNEL + "\n        action: \"/bin/true %ip%\"\n");
            try (Child agent = Child.command(List.of(dist.resolve("bin/fail2ban-clusterd").toString(), "--config",
                    agentConfig.toString(), "run"))) {
                BulkApplyBench.awaitConnected(agentConfig, port);
                measure(client, clientConfig, socket, actionFile, runs);
                Bench.line("the agent's outbox afterwards", "%s", awaitDrained(socket));
            }
        } finally {
            Bench.deleteTree(dir);
        }
    }

    private void measure(Path client, Path clientConfig, Path socket, Path actionFile, int runs) throws Exception {
        Process driver = new ProcessBuilder(PYTHON, "-c", DRIVER, actionFile.toString(), socket.toString(), CHANNEL,
                JAIL, HOST).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader fromDriver = new BufferedReader(new InputStreamReader(driver.getInputStream(),
                    StandardCharsets.UTF_8));
            Writer toDriver = new OutputStreamWriter(driver.getOutputStream(), StandardCharsets.UTF_8);
            if (!"ready".equals(fromDriver.readLine())) {
                throw new IllegalStateException("python3 could not load " + actionFile);
            }
            Map<String, String> titles = new LinkedHashMap<>();
            titles.put("bare", "python3 bare write, in-process (baseline)");
            titles.put("action", "fail2ban_cluster.py ban(), in-process");
            titles.put("agent", "client publish --agent (process)");
            titles.put("config", "client publish --config, broker (process)");
            titles.put("python", "python3 -c bare write (process)");
            Map<String, List<Double>> millis = new LinkedHashMap<>();
            titles.keySet().forEach(k -> millis.put(k, new ArrayList<>()));
            for (int i = 0; i < WARMUPS + runs; i++) {
                for (String kind : titles.keySet()) {
                    String ip = nextAddress();
                    String message = "jail=" + JAIL + ", action=banip, ip=" + ip + ", source=" + HOST + ", bantime=600";
                    double ms = switch (kind) {
                        case "bare", "action" -> inDriver(toDriver, fromDriver, kind, ip);
                        case "agent" -> time(publish(client, "--agent", socket.toString(), message));
                        case "config" -> time(publish(client, "--config", clientConfig.toString(), message));
                        default -> time(List.of(PYTHON, "-c", BARE_PROCESS, socket.toString(), CHANNEL, message));
                    };
                    if (i >= WARMUPS) {
                        millis.get(kind).add(ms);
                    }
                }
            }
            Stats baseline = Stats.of(millis.get("bare"));
            for (Map.Entry<String, String> row : titles.entrySet()) {
                Stats stats = Stats.of(millis.get(row.getKey()));
                Bench.line(row.getValue(), "p50 %7.2f ms  p99 %7.2f  mean %7.2f  %s", stats.p50(), stats.p99(),
                        stats.mean(), row.getKey().equals("bare") ? ""
                                : String.format("p50 %.2fx, mean %.2fx baseline", stats.p50() / baseline.p50(),
                                        stats.mean() / baseline.mean()));
            }
        } finally {
            driver.getOutputStream().close();
            if (!driver.waitFor(10, TimeUnit.SECONDS)) {
                driver.destroyForcibly();
            }
        }
    }

    /** The agent's outbox counters once every accepted ban has reached the broker (at most 60 s). */
    private static String awaitDrained(Path socket) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Map<String, String> status = status(socket);
            String summary = "accepted " + status.get("outbox.accepted") + ", delivered " + status.get("outbox.delivered")
                    + ", depth " + status.get("outbox.depth");
            if ("0".equals(status.get("outbox.depth"))) {
                return summary;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the agent's outbox did not drain within 60 s: " + summary);
            }
            Thread.sleep(200);
        }
    }

    /** The fields of the agent's {@code status} reply. */
    private static Map<String, String> status(Path socket) throws IOException {
        try (SocketChannel agent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            agent.connect(UnixDomainSocketAddress.of(socket));
            agent.write(ByteBuffer.wrap("status\n".getBytes(StandardCharsets.US_ASCII)));
            BufferedReader in = new BufferedReader(Channels.newReader(agent, StandardCharsets.UTF_8));
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 2));
                }
            }
            return fields;
        }
    }

    /** One hand-off timed inside the python3 driver, in milliseconds; any failure ends the bench. */
    private static double inDriver(Writer to, BufferedReader from, String kind, String ip) throws IOException {
        to.write(kind + " " + ip + "\n");
        to.flush();
        String answer = from.readLine();
        if (answer == null || !answer.chars().allMatch(Character::isDigit)) {
            throw new IllegalStateException("python3 driver: " + answer);
        }
        return Long.parseLong(answer) / 1e6;
    }

    /** A fresh address per ban: 10.x.y.z. */
    private String nextAddress() {
        int i = ++address;
        return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }

    private static List<String> publish(Path client, String target, String value, String message) {
        return new ArrayList<>(Arrays.asList(client.toString(), "publish", target, value, "-c", CHANNEL, "-m", message));
    }

    /** Wall time of the whole process in milliseconds; any exit status but 0 ends the bench. */
    private static double time(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().remove("JAVA_OPTS");
        long start = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not exit within 60 s");
        }
        double ms = (System.nanoTime() - start) / 1e6;
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue());
        }
        return ms;
    }

    /** Nearest-rank percentiles and the mean of one variant's times. */
    private record Stats(double p50, double p99, double mean) {
        static Stats of(List<Double> values) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Stats(rank(sorted, 0.50), rank(sorted, 0.99), Arrays.stream(sorted).average().orElse(Double.NaN));
        }

        private static double rank(double[] sorted, double p) {
            return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
        }
    }
}
