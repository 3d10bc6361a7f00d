package io.fail2bancluster.bench;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bulk apply: how long a real fail2ban (Debian's, a private server with the dummy ban action) takes to hold
 * a burst of bans that an agent receives, with the channel's {@code batch} on (ours) and off (the baseline:
 * one {@code fail2ban-client} per ban, as before batching). The agent runs with its launcher's JVM flags and
 * the default {@code exec_concurrency}; the burst is one connection writing every announce at once.
 */
public final class BulkApplyBench {
    private static final String JAIL = "bulk";
    private static final int BATCH = 200;
    private static final long GIVE_UP_SECONDS = 1800;

    private BulkApplyBench() {
    }

    public static void main(String[] args) throws Exception {
        int bans = Bench.quick(args) ? 200 : 2000;
        if (!Files.isExecutable(Path.of("/usr/bin/fail2ban-server"))) {
            System.out.println("bulk apply: skipped, no /usr/bin/fail2ban-server (apt-get install fail2ban)");
            return;
        }
        Bench.header("bulk apply: a real fail2ban holding " + bans + " bans that arrive in a burst, exec_concurrency 4");
        Path dir = Files.createTempDirectory("f2bc-bulkbench");
        try (PrivateFail2ban fail2ban = PrivateFail2ban.start(dir.resolve("fail2ban"));
             Child broker = new Child(FleetBench.SERVER_JVM, BrokerMain.class.getName(), "--bind=127.0.0.1",
                     "--port=0")) {
            int port = Child.portOf(broker.await("listening on", 60));
            double off = secondsToHold(fail2ban, dir, port, bans, 1);
            double on = secondsToHold(fail2ban, dir, port, bans, BATCH);
            Bench.line("batch 1 (one fail2ban-client per ban; baseline)", "%7.1f s  %6.1f bans/s", off, bans / off);
            Bench.line("batch " + BATCH, "%7.1f s  %6.1f bans/s  %.2fx the baseline's time", on, bans / on, on / off);
        }
    }

    private static double secondsToHold(PrivateFail2ban fail2ban, Path dir, int port, int bans, int batch)
            throws Exception {
        fail2ban.client("unban", "--all");
        Path config = dir.resolve("agent-batch-" + batch + ".yml");
        Files.writeString(config, """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    channels:
                      - name: Fail2ban
                        action: "fail2ban-client -s %s set %s %%action%% %%ip%%"
                        batch: %d
                        filter:
                          - key: action
                            values: [banip]
                          - key: ip
                            pattern: '[0-9.]+'
                log_level: 1
                control_socket: %s
                """.formatted(port, fail2ban.socket(), JAIL, batch, dir.resolve("control-" + batch + ".sock")));
        try (Child agent = new Child(MemoryBench.LAUNCHER_JVM, AgentMain.class.getName(), "--config", config.toString(),
                "run")) {
            awaitConnected(config, port);
            long start = System.nanoTime();
            burst(port, bans);
            long deadline = start + TimeUnit.SECONDS.toNanos(GIVE_UP_SECONDS);
            while (fail2ban.bannedCount(JAIL) < bans) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("fail2ban did not hold " + bans + " bans within " + GIVE_UP_SECONDS + " s");
                }
                Thread.sleep(200);
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** The agent is ready once the broker's {@code info} counts its subscription. */
    static void awaitConnected(Path config, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                in.readLine();
                socket.getOutputStream().write("info\n".getBytes(StandardCharsets.US_ASCII));
                for (String line; (line = in.readLine()) != null; ) {
                    // the agent's subscribe to Fail2ban (this probe subscribes to nothing)
                    if (line.startsWith("user-requested subscriptions: ")) {
                        if (Integer.parseInt(line.substring(line.indexOf(':') + 1).trim()) >= 1) {
                            return;
                        }
                        break;
                    }
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the agent for " + config + " did not subscribe within 60 s");
            }
            Thread.sleep(200);
        }
    }

    /** Every ban written at once on one connection, then a ping whose answer says the broker has them all. */
    private static void burst(int port, int bans) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < bans; i++) {
            lines.append("announce Fail2ban jail=sshd, action=banip, ip=10.").append(i >> 16 & 255).append('.')
                    .append(i >> 8 & 255).append('.').append(i & 255).append('\n');
        }
        lines.append("ping\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            in.readLine();
            OutputStream out = socket.getOutputStream();
            out.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isEmpty() && line.chars().allMatch(Character::isDigit)) {
                    return;
                }
            }
            throw new IOException("the broker closed before answering the ping");
        }
    }

    /** fail2ban-server on a private config, socket and in-memory database; one receive-only jail. */
    private static final class PrivateFail2ban implements AutoCloseable {
        private final Path dir;
        private final Process server;

        private PrivateFail2ban(Path dir, Process server) {
            this.dir = dir;
            this.server = server;
        }

        static PrivateFail2ban start(Path dir) throws Exception {
            Path conf = dir.resolve("conf");
            Files.createDirectories(conf.resolve("action.d"));
            Path system = Path.of("/etc/fail2ban");
            for (String file : List.of("fail2ban.conf", "jail.conf", "paths-common.conf", "paths-debian.conf")) {
                Files.copy(system.resolve(file), conf.resolve(file));
            }
            Files.createSymbolicLink(conf.resolve("filter.d"), system.resolve("filter.d"));
            Files.copy(system.resolve("action.d/dummy.conf"), conf.resolve("action.d/dummy.conf"));
            Files.writeString(conf.resolve("action.d/dummy.local"), "[Init]\ntarget = " + dir.resolve("dummy-bans") + "\n");
            Files.writeString(conf.resolve("fail2ban.local"), "[Definition]\nloglevel = WARNING\nlogtarget = "
                    + dir.resolve("fail2ban.log") + "\ndbfile = :memory:\n");
            Files.writeString(conf.resolve("jail.local"), """
                    [DEFAULT]
                    banaction = dummy
                    banaction_allports = dummy
                    [sshd]
                    enabled = false
                    [%s]
                    enabled = true
                    filter =
                    backend = polling
                    port = ssh
                    bantime = 1h
                    action = %%(action_)s
                    """.formatted(JAIL));
            Process server = new ProcessBuilder("fail2ban-server", "-f", "-x", "-c", conf.toString(), "-s",
                    dir.resolve("fail2ban.sock").toString(), "-p", dir.resolve("fail2ban.pid").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("server.out").toFile()).start();
            PrivateFail2ban instance = new PrivateFail2ban(dir, server);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    if (instance.client("status").contains(JAIL)) {
                        return instance;
                    }
                } catch (IllegalStateException notYet) {
                    // the socket is not up yet
                }
                if (!server.isAlive() || System.nanoTime() - deadline > 0) {
                    instance.close();
                    throw new IllegalStateException("fail2ban did not start; see " + dir.resolve("server.out"));
                }
                Thread.sleep(200);
            }
        }

        Path socket() {
            return dir.resolve("fail2ban.sock");
        }

        int bannedCount(String jail) throws InterruptedException {
            String out = client("get", jail, "banned").trim();
            return out.equals("[]") ? 0 : out.split(",").length;
        }

        String client(String... args) throws InterruptedException {
            List<String> command = new ArrayList<>(List.of("fail2ban-client", "-s", socket().toString()));
            command.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException(command + " failed: " + out);
                }
                return out;
            } catch (IOException e) {
                throw new IllegalStateException(command + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            try {
                client("stop");
            } catch (IllegalStateException alreadyGone) {
                // nothing to stop
            }
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }
}
