package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import io.fail2bancluster.agent.daemon.ControlReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under {@code state_dir}: a 4 MiB tmpfs in a mount namespace the test creates for the agent (it
 * skips, saying why, where it cannot make one). Filled up, the agent refuses a publish with the reason, keeps
 * nothing half-written and keeps receiving bans; emptied, it takes publishes again and its ledger is written.
 */
class FullDiskIT {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final Resources resources = new Resources();

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
    }

    @Test
    void aFullStateDirRefusesPublishesWithTheReasonAndRecoversWhenSpaceReturns() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        assumeMountNamespaces(state);
        FanoutServer broker = resources.keep(FanoutServer.broker());
        Path ran = dir.resolve("ran");
        Path script = Files.writeString(dir.resolve("record.sh"), "echo \"$1 $2\" >> '" + ran + "'\n");
        Path socket = dir.resolve("control.sock");
        Path config = Files.writeString(dir.resolve("cluster.yml"), """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    channels:
                      - name: Fail2ban
                        action: "/bin/sh %s %%action%% %%ip%%"
                        filter:
                          - key: action
                            values: [banip, unbanip]
                hostname: web1
                control_socket: %s
                state_dir: %s
                log_level: 2
                """.formatted(broker.port(), script, socket, state));
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=4m tmpfs \"$0\" && exec \"$@\"", state.toString()));
        command.addAll(JavaProcess.javaCommand(List.of(), AgentMain.class, "--config", config.toString(), "run"));
        JavaProcess agent = resources.keep(JavaProcess.startCommand("agent in its namespace", command, null));
        await().atMost(WITHIN).ignoreExceptions().until(() -> "connected".equals(
                ControlClient.request(socket, "status").field("server.0.state").orElse("")));
        assertTrue(publish(socket, "192.0.2.1").isOk());
        long pid = agent.lines(l -> l.contains("running (pid ")).stream().findFirst()
                .map(l -> Long.parseLong(l.replaceAll(".*running \\(pid (\\d+)\\).*", "$1")))
                .orElseThrow(() -> new AssertionError(agent.output()));

        inNamespace(pid, "dd if=/dev/zero of='" + state.resolve("filler") + "' bs=64k 2>/dev/null; true");
        // A publish that still fits the last, allocated page of the outbox's file is kept, and accepted; once
        // one does not fit (or the ledger's next write fails), publishes are refused. An accepted one must
        // really be kept: each reaches the broker.
        List<String> accepted = new ArrayList<>();
        ControlReply[] refused = {null};
        try (RawSubscriber wire = new RawSubscriber(broker.port(), "Fail2ban")) {
            int[] next = {0};
            explained(agent, () -> {
                int n = next[0]++;
                String ip = "10.9." + n / 250 + "." + (n % 250 + 1);
                ControlReply reply = publish(socket, ip);
                if (reply.isOk()) {
                    accepted.add(ip);
                } else {
                    refused[0] = reply;
                }
                return refused[0] != null;
            });
            StringBuilder traffic = new StringBuilder();
            explained(agent, () -> {
                traffic.append(wire.receivedUntilPingReply());
                return accepted.stream().allMatch(ip -> traffic.indexOf("ip=" + ip + ",") >= 0);
            });
        }
        String why = refused[0].error().orElseThrow();
        System.out.printf("FullDiskIT: %d publish(es) kept after the disk filled (each delivered), then refused: %s%n",
                accepted.size(), why);
        assertTrue(why.contains("No space left on device") && why.endsWith("nothing kept"), why);
        // it keeps receiving and running bans meanwhile
        try (RawSubscriber other = new RawSubscriber(broker.port(), "Fail2ban")) {
            other.announce("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.50, source=web9, bantime=600");
            explained(agent, () -> Files.exists(ran) && Files.readString(ran).contains("banip 192.0.2.50"));
        }

        inNamespace(pid, "rm -f '" + state.resolve("filler") + "'");
        explained(agent, () -> publish(socket, "192.0.2.250").isOk());
        await().atMost(WITHIN).until(() -> agent.output().contains("the ledger is written again")
                || !agent.output().contains("the ledger stays whole in memory"));
        String listing = inNamespace(pid, "ls -a '" + state + "' '" + state.resolve("outbox") + "'");
        assertFalse(listing.contains(".tmp"), "nothing half-written is left: " + listing);
        assertTrue(agent.isAlive(), agent.output());
        assertEquals("connected", ControlClient.request(socket, "status").field("server.0.state").orElseThrow());
    }

    /** Waits for {@code condition}; fails with the agent's log if it never holds. */
    private static void explained(JavaProcess agent, java.util.concurrent.Callable<Boolean> condition) {
        try {
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(200)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("waited " + WITHIN + "; the agent printed:\n" + agent.output(), e);
        }
    }

    private static ControlReply publish(Path socket, String ip) throws IOException {
        return ControlClient.request(socket, "publish Fail2ban jail=sshd, action=banip, ip=" + ip
                + ", source=web1, bantime=600");
    }

    /** Runs {@code script} in the agent's mount namespace; returns what it printed. */
    private static String inNamespace(long pid, String script) throws Exception {
        Process process = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-m", "sh", "-c", script)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    /** Skips, saying why, where this user cannot make a mount namespace with a tmpfs in it. */
    private static void assumeMountNamespaces(Path where) throws Exception {
        String why;
        try {
            Process probe = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs -o size=1m tmpfs \"$0\" && nsenter --version >/dev/null", where.toString())
                    .redirectErrorStream(true).start();
            String output = new String(probe.getInputStream().readAllBytes()).strip();
            why = probe.waitFor() == 0 ? null : output;
        } catch (IOException e) {
            why = e.getMessage();
        }
        Assumptions.assumeTrue(why == null, "the full-disk test needs a mount namespace with a tmpfs (unshare --mount, "
                + "nsenter; root or CAP_SYS_ADMIN): " + why);
    }
}
