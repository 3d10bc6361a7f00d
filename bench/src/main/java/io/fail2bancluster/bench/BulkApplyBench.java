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
        if (!PrivateFail2ban.installed()) {
            System.out.println("bulk apply: skipped, no /usr/bin/fail2ban-server (apt-get install fail2ban)");
            return;
        }
        Bench.header("bulk apply: a real fail2ban holding " + bans + " bans that arrive in a burst, exec_concurrency 4");
        Path dir = Files.createTempDirectory("f2bc-bulkbench");
        try (PrivateFail2ban fail2ban = PrivateFail2ban.start(dir.resolve("fail2ban"), JAIL);
             Child broker = new Child(FleetBench.SERVER_JVM, BrokerMain.class.getName(), "--bind=127.0.0.1",
                     "--port=0")) {
            int port = Child.portOf(broker.await("listening on", 60));
            double off = secondsToHold(fail2ban, dir, port, bans, 1);
            double on = secondsToHold(fail2ban, dir, port, bans, BATCH);
            Bench.line("batch 1 (one fail2ban-client per ban; baseline)", "%7.1f s  %6.1f bans/s", off, bans / off);
            Bench.line("batch " + BATCH, "%7.1f s  %6.1f bans/s  %.2fx the baseline's time", on, bans / on, on / off);
        } finally {
            Bench.deleteTree(dir);
        }
    }

    private static double secondsToHold(PrivateFail2ban fail2ban, Path dir, int port, int bans, int batch)
            throws Exception {
        fail2ban.unbanAll();
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
                state_dir: %s
                """.formatted(port, fail2ban.socket(), JAIL, batch, dir.resolve("control-" + batch + ".sock"),
                dir.resolve("state-" + batch)));
        try (Child agent = new Child(MemoryBench.LAUNCHER_JVM, AgentMain.class.getName(), "--config", config.toString(),
                "run")) {
            awaitConnected(config, port);
            long start = System.nanoTime();
            burst(port, bans);
            return fail2ban.secondsUntilBanned(start, bans, GIVE_UP_SECONDS);
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
}
