package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.protocol.Command;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker is killed with SIGKILL and restarted on the same port, again and again (5 times here,
 * {@code -Dfault.restarts=20} for the long run), with bans published in every phase: while it is up and
 * the agent's subscription is confirmed, each must run exactly once (the broker is killed only after they
 * ran); while it is down, the publish fails and nothing runs. Prints the time from restart to resubscribed.
 */
class BrokerRestartIT {
    private static final Duration WITHIN = Duration.ofSeconds(120);
    private static final int BANS_PER_PHASE = 10;

    @TempDir
    Path dir;

    @Test
    void everyRestartIsFollowedByAResubscribeAndEveryBanPublishedWhileUpRunsOnce() throws Exception {
        int restarts = Integer.getInteger("fault.restarts", 5);
        int port = freePort();
        Path ran = dir.resolve("ran");
        Path action = Files.writeString(dir.resolve("record.sh"), "echo \"$1\" >> '" + ran + "'\n");
        Publisher publisher = new Publisher();
        List<FanoutDestination> target = List.of(new FanoutDestination("127.0.0.1", port));
        Set<String> confirmed = new HashSet<>();
        List<Long> resubscribeMillis = new ArrayList<>();
        try (AgentProcess agent = AgentProcess.start(dir, """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    ping_timeout: 5
                    channels:
                      - name: Fail2ban
                        action: "/bin/sh %s %%id%%"
                        filter:
                          - key: jail
                            values: [sshd]
                reconnect_min: 0.1
                reconnect_max: 0.5
                log_level: 1
                """.formatted(port, action))) {
            for (int cycle = 0; cycle <= restarts; cycle++) {
                long filteredBefore = agent.counter("filtered_out");
                try (JavaProcess broker = JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1",
                        "--port=" + port)) {
                    broker.awaitLineContaining("listening on 127.0.0.1:" + port, WITHIN);
                    long up = System.nanoTime();
                    await().atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                            .until(() -> probe(port, agent, filteredBefore));
                    resubscribeMillis.add((System.nanoTime() - up) / 1_000_000);
                    for (int k = 0; k < BANS_PER_PHASE; k++) {
                        String id = cycle + "-" + k;
                        List<PublishResult> results = publisher.publish(target,
                                new Command.Announce("Fail2ban", "jail=sshd, id=" + id), WITHIN);
                        assertTrue(results.get(0).accepted(), results.toString());
                        confirmed.add(id);
                    }
                    // the agent has read them before the crash: a SIGKILLed peer's reset may discard what the
                    // agent's kernel had received but the agent not yet read (fanout keeps no history either)
                    await().atMost(WITHIN).until(() -> ranCount(ran) >= confirmed.size());
                    broker.kill();
                }
                List<PublishResult> down = publisher.publish(target,
                        new Command.Announce("Fail2ban", "jail=sshd, id=down-" + cycle), Duration.ofSeconds(5));
                assertFalse(down.get(0).accepted(), down.toString());
            }
            List<String> lines = Files.readAllLines(ran);
            assertEquals(confirmed, new HashSet<>(lines), "exactly the bans published while up ran");
            assertEquals(confirmed.size(), lines.size(), "nothing ran twice: " + lines);
            assertTrue(agent.counter("reconnects") >= restarts, "reconnects " + agent.counter("reconnects"));
            assertTrue(agent.process().isAlive(), agent.process().output());
        }
        System.out.println("BrokerRestartIT: " + restarts + " restarts, restart (listening) to resubscribed in ms: "
                + resubscribeMillis);
    }

    /** A filtered probe; true once the agent counted one on this broker's life, i.e. it is subscribed again. */
    private static boolean probe(int port, AgentProcess agent, long filteredBefore) {
        try {
            ExecOverflowIT.subscribedProbe(port, agent);
        } catch (IOException notYet) {
            return false;
        }
        return agent.counter("filtered_out") > filteredBefore;
    }

    private static int ranCount(Path ran) throws IOException {
        return Files.exists(ran) ? Files.readAllLines(ran).size() : 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
