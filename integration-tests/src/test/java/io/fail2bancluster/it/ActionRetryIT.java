package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.Destination;
import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.client.NatsDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.NatsUrls;
import io.fail2bancluster.protocol.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 24 as an operator meets it: the receiving host's fail2ban is stopped (a {@code systemctl restart
 * fail2ban}, an upgrade) while bans and unbans arrive; the agent's action, the real {@code fail2ban-client}
 * against that host's socket, fails for each of them. Once fail2ban is back its receive jail holds exactly
 * the bans still in force, within a minute; the unbanned ones never reach it. Over fanout (our broker) and
 * over NATS (a private nats-server); and an agent killed with -9 while an action fails retries it after it
 * starts again.
 */
class ActionRetryIT {
    private static final Path REPO_ETC = Path.of("..", "etc");
    private static final String JAIL = "sshd-cluster";
    private static final Duration DOWN = Duration.ofSeconds(8);
    private static final Duration BACK_WITHIN = Duration.ofMinutes(1);

    @RegisterExtension
    final Cluster cluster = new Cluster();
    @RegisterExtension
    final NatsServers nats = new NatsServers();

    @BeforeAll
    static void needsFail2ban() {
        Fail2banInstance.assumeInstalled("the retry test");
    }

    private Fail2banInstance fail2ban() throws Exception {
        Path dir = Files.createDirectories(cluster.dir().resolve("receiver"));
        Fail2banInstance f2b = cluster.keep(Fail2banInstance.create("receiver", dir, REPO_ETC,
                "client = /bin/true\nsource = receiver"));
        f2b.start();
        return f2b;
    }

    private static String channel(Fail2banInstance f2b) {
        return "    channels:\n      - name: " + Cluster.CHANNEL + "\n        action: \"fail2ban-client -s " + f2b.socket()
                + " set " + JAIL + " %action% %ip%\"\n";
    }

    private static String common() {
        return "reconnect_min: 0.1\nreconnect_max: 1\nlog_level: 3\nhostname: receiver\n";
    }

    private static String ban(String ip) {
        return "jail=sshd, action=banip, ip=" + ip + ", source=hostA, bantime=600";
    }

    private static String unban(String ip) {
        return "jail=sshd, action=unbanip, ip=" + ip + ", source=hostA";
    }

    private static void publish(Destination destination, String message) {
        PublishResult result = new Publisher().publish(List.of(destination),
                new Command.Announce(Cluster.CHANNEL, message), Duration.ofSeconds(10)).get(0);
        assertTrue(result.accepted(), result.toString());
    }

    @Test
    void overFanoutTheBansStillInForceReachFail2banOnceItIsBack() throws Exception {
        FanoutServer broker = cluster.broker();
        Fail2banInstance f2b = fail2ban();
        AgentProcess agent = cluster.keep(AgentProcess.start(cluster.dir(), "servers:\n  - host: 127.0.0.1\n    port: "
                + broker.port() + "\n" + channel(f2b) + common()));
        broker.awaitSubscriptions(1);
        downWhileBansArrive(f2b, agent, new FanoutDestination("127.0.0.1", broker.port()));
    }

    @Test
    void overNatsTheBansStillInForceReachFail2banOnceItIsBackAndThePositionWaitsForThem() throws Exception {
        String url = nats.single().url();
        Fail2banInstance f2b = fail2ban();
        AgentProcess agent = cluster.keep(AgentProcess.start(cluster.dir(), "servers:\n  - nats: [" + url + "]\n"
                + channel(f2b) + common()));
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.server0("state")));
        NatsServerConfig server = new NatsServerConfig("test", List.of(NatsUrls.parse(url)),
                NatsServerConfig.DEFAULT_STREAM, OptionalInt.empty(), NatsServerConfig.DEFAULT_RETENTION, NatsAuth.NONE,
                Optional.empty(), List.of());
        downWhileBansArrive(f2b, agent, new NatsDestination(server));
        await().atMost(Cluster.WAIT).until(() -> "14".equals(agent.server0("nats.position")));
    }

    /**
     * One ban while fail2ban is up (at once); fail2ban stopped; 10 bans and 2 unbans while it is down (at
     * least 8 s); fail2ban back: the jail holds the 8 in force within a minute; then a ban applies at once.
     */
    private void downWhileBansArrive(Fail2banInstance f2b, AgentProcess agent, Destination destination)
            throws Exception {
        publish(destination, ban("198.51.100.1"));
        awaitJail(f2b, agent, Set.of("198.51.100.1"), Duration.ofSeconds(10));

        f2b.close();
        long stopped = System.nanoTime();
        Set<String> inForce = new TreeSet<>();
        for (int i = 1; i <= 10; i++) {
            publish(destination, ban("192.0.2." + i));
            inForce.add("192.0.2." + i);
        }
        publish(destination, unban("192.0.2.3"));
        publish(destination, unban("192.0.2.7"));
        inForce.remove("192.0.2.3");
        inForce.remove("192.0.2.7");
        agent.process().awaitLine(l -> l.contains("WARN") && l.contains("192.0.2.10") && l.contains("retried"),
                Cluster.WAIT);
        await().atMost(Cluster.WAIT).until(() -> Integer.parseInt(agent.statusFields().get("actions.failing")) >= 8);
        long left = DOWN.toNanos() - (System.nanoTime() - stopped);
        if (left > 0) {
            Thread.sleep(left / 1_000_000); // fail2ban stays down for the 8 s of a restart, whatever arrives meanwhile
        }
        f2b.start();
        long back = System.nanoTime();
        awaitJail(f2b, agent, inForce, BACK_WITHIN);
        System.out.printf("retries: fail2ban down %d ms; the 8 bans in force were in its jail %d ms after it was back%n",
                (back - stopped) / 1_000_000, (System.nanoTime() - back) / 1_000_000);
        agent.process().awaitLine(l -> l.contains("ban sshd 192.0.2.1 applied after"), Cluster.WAIT);
        await().atMost(Cluster.WAIT).until(() -> "0".equals(agent.statusFields().get("actions.failing")));

        publish(destination, ban("203.0.113.9"));
        Set<String> now = new TreeSet<>(inForce);
        now.add("203.0.113.9");
        awaitJail(f2b, agent, now, Duration.ofSeconds(10));
    }

    @Test
    void anAgentKilledWhileAnActionFailsRetriesItAfterItStartsAgain() throws Exception {
        FanoutServer broker = cluster.broker();
        Fail2banInstance f2b = fail2ban();
        String yaml = "servers:\n  - host: 127.0.0.1\n    port: " + broker.port() + "\n" + channel(f2b) + common();
        AgentProcess agent = cluster.keep(AgentProcess.start(cluster.dir(), yaml));
        broker.awaitSubscriptions(1);
        f2b.close();
        publish(new FanoutDestination("127.0.0.1", broker.port()), ban("192.0.2.99"));
        agent.process().awaitLine(l -> l.contains("WARN") && l.contains("192.0.2.99") && l.contains("retried"),
                Cluster.WAIT);
        Path journal = cluster.dir().resolve("state").resolve("ledger.journal");
        await().atMost(Cluster.WAIT).until(() -> Files.exists(journal) && Files.size(journal) > 0);
        agent.process().kill();
        agent.process().awaitExit(Cluster.WAIT);

        AgentProcess again = cluster.keep(AgentProcess.start(cluster.dir(), yaml));
        again.process().awaitLine(l -> l.contains("ban sshd 192.0.2.99 did not succeed before the agent stopped"),
                Cluster.WAIT);
        f2b.start();
        awaitJail(f2b, again, Set.of("192.0.2.99"), BACK_WITHIN);
    }

    private static void awaitJail(Fail2banInstance f2b, AgentProcess agent, Set<String> expected, Duration within) {
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> new TreeSet<>(f2b.banned(JAIL)).equals(expected));
        } catch (ConditionTimeoutException e) {
            List<String> banned = new ArrayList<>();
            try {
                banned.addAll(f2b.banned(JAIL));
            } catch (RuntimeException down) {
                banned.add("(fail2ban does not answer: " + down.getMessage() + ")");
            }
            throw new AssertionError("waited " + within + " for " + JAIL + " to hold exactly " + expected + "; it holds "
                    + banned + "\n" + f2b.diagnostics() + agent.output(), e);
        }
        assertEquals(expected, new TreeSet<>(f2b.banned(JAIL)));
    }
}
