package io.fail2bancluster.it;

import static io.fail2bancluster.it.Fail2banEndToEndIT.awaitOrExplain;
import static io.fail2bancluster.it.Fail2banEndToEndIT.replaceOnce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bans handed from fail2ban to the local agent by the shipped Python action ({@code fail2ban_cluster.py}, as
 * the shipped jail example names it) and kept in the agent's outbox until the server has them. Two real
 * fail2ban servers, A and B, a fanout server (the reference C one with {@code -Dfanout.binary=PATH}, else our
 * broker), and an agent per host configured from the shipped files.
 *
 * <p>Both agents reach the broker directly and reconnect on their own backoff after it restarts, as in
 * production: whichever comes back first, what A's outbox delivers while B is still away reaches B through
 * catch-up (B asks the fleet on its way back, A answers), and the ledger runs each ban once.
 */
class Fail2banOutboxIT {
    private static final Path REPO_ETC = Path.of("..", "etc");
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final Duration BROKER_DOWN = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final Resources resources = new Resources();

    @BeforeAll
    static void needsFail2ban() {
        Fail2banInstance.assumeInstalled("the outbox test");
    }

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
    }

    @Test
    void bansHandedOverByThePythonActionReachBOnceThroughABrokerOutageAndAKill9OfAsAgent() throws Exception {
        FanoutServer broker = keep(FanoutServer.underTest(0));
        int port = broker.port();
        Path client = Fail2banEndToEndIT.clientWrapper(dir);
        Fail2banInstance a = host("hostA", port, client);
        Fail2banInstance b = host("hostB", port, client);
        JavaProcess agentA = agent("hostA");
        JavaProcess agentB = agent("hostB");
        agentA.awaitLine(l -> l.endsWith(": connected"), WITHIN);
        agentB.awaitLine(l -> l.endsWith(": connected"), WITHIN);
        broker.awaitSubscriptions(2);

        // 1. A manual ban on A reaches B's receive jail.
        String manual = "192.0.2.10";
        long start = System.nanoTime();
        a.client("set", "sshd", "banip", manual);
        long handedOver = System.nanoTime();
        awaitOrExplain(() -> b.banned("sshd-cluster").contains(manual), "B's sshd-cluster to ban " + manual,
                a, b, agentA, agentB);
        System.out.printf("outbox: fail2ban-client set sshd banip on A returned in %d ms; banned in B's"
                + " sshd-cluster %d ms after it was issued (polled every 20 ms)%n",
                (handedOver - start) / 1_000_000, (System.nanoTime() - start) / 1_000_000);
        agentA.awaitLine(l -> l.contains("skip_own") && l.contains("ip=" + manual), WITHIN);
        assertEquals(List.of(), a.banned("sshd-cluster"), "A skips its own ban, as with the client");

        // 2. The broker is down for 10 s while A bans 30 addresses: fail2ban is never held up.
        broker.close();
        List<String> outage = addresses("198.51.100.", 30);
        long downAt = System.nanoTime();
        List<Long> banMillis = new ArrayList<>();
        for (String ip : outage) {
            long t = System.nanoTime();
            a.client("set", "sshd", "banip", ip);
            banMillis.add((System.nanoTime() - t) / 1_000_000);
        }
        System.out.println("outbox: with the broker down, each of 30 bans on A returned in (ms, fail2ban-client"
                + " process included): " + banMillis);
        assertEquals(List.of(), lines(a, "publishing with"), "every ban was handed to the agent, none to the client");
        awaitStatus("outbox.accepted", "31");
        awaitStatus("outbox.depth", "30");
        long leftDown = BROKER_DOWN.toNanos() - (System.nanoTime() - downAt);
        if (leftDown > 0) {
            Thread.sleep(leftDown / 1_000_000); // the outage itself: nothing to wait for but time
        }
        FanoutServer back = keep(FanoutServer.underTest(port));
        // both agents come back on their own backoff, in either order
        awaitDelivered(outage, "the 30 bans to reach B's sshd-cluster", a, b, agentA, agentB);

        // 3. A's agent killed -9 with bans in its outbox (the broker down again); restarted, it delivers them.
        back.close();
        List<String> killed = addresses("203.0.113.", 5);
        for (String ip : killed) {
            a.client("set", "sshd", "banip", ip);
        }
        awaitStatus("outbox.depth", "5");
        agentA.kill();
        try (Stream<Path> files = Files.list(dir.resolve("hostA/state/outbox"))) {
            assertEquals(5, files.filter(f -> f.toString().endsWith(".msg")).count(), "the entries are on disk");
        }
        JavaProcess agentA2 = agent("hostA");
        agentA2.awaitLine(l -> l.contains("outbox: 5 entries from the last run to deliver"), WITHIN);
        keep(FanoutServer.underTest(port));
        awaitDelivered(killed, "the bans kept through kill -9 to reach B", a, b, agentA2, agentB);

        // exactly once: every address ran once on B, and never on A (skip_own)
        List<String> all = new ArrayList<>(List.of(manual));
        all.addAll(outage);
        all.addAll(killed);
        // and stays so: a catch-up answer that comes late runs nothing (longer than the slowest answer)
        await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> all.stream().allMatch(ip -> agentB.lines(l -> ranBan(l, ip)).size() == 1));
        for (String ip : all) {
            assertEquals(1, agentB.lines(l -> ranBan(l, ip)).size(), ip + "\n" + agentB.output());
            assertEquals(0, agentA.lines(l -> ranBan(l, ip)).size() + agentA2.lines(l -> ranBan(l, ip)).size(), ip);
        }
        assertEquals(all.size(), b.banned("sshd-cluster").size(), b.banned("sshd-cluster").toString());
        System.out.println("outbox: B " + agentB.lines(l -> l.contains("caught up ")) + "; A's answers "
                + agentA.lines(l -> l.contains("asked the fleet")).size() + " request line(s) logged");
    }

    /** Until B's receive jail has every one of {@code ips}, B's agent ran each, and A's outbox is empty. */
    private void awaitDelivered(List<String> ips, String what, Fail2banInstance a, Fail2banInstance b,
                                JavaProcess agentA, JavaProcess agentB) {
        awaitOrExplain(() -> b.banned("sshd-cluster").containsAll(ips), what, a, b, agentA, agentB);
        awaitStatus("outbox.depth", "0");
        for (String ip : ips) {
            agentB.awaitLine(l -> ranBan(l, ip), WITHIN);
        }
    }

    /** An agent's log line for a ban of exactly {@code ip} it ran (198.51.100.1 is not 198.51.100.10). */
    private static boolean ranBan(String line, String ip) {
        return line.contains(": ran ") && line.contains(" banip " + ip + " -> ");
    }

    private static List<String> addresses(String prefix, int count) {
        List<String> ips = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ips.add(prefix + i);
        }
        return ips;
    }

    /** Lines of fail2ban's log on a host that contain {@code text}. */
    private static List<String> lines(Fail2banInstance host, String text) {
        return host.diagnostics().lines().filter(l -> l.contains(text)).toList();
    }

    /** Until A's agent's {@code status} has {@code field: value} (fail2ban may run an action just after it answered). */
    private void awaitStatus(String field, String value) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> value.equals(statusField("hostA", field)));
    }

    /** One field of the {@code status} reply on a host's control socket. */
    private String statusField(String host, String field) throws IOException {
        return ControlClient.request(dir.resolve(host).resolve("control.sock"), "status").field(field)
                .orElseThrow(() -> new AssertionError(host + "'s status has no " + field));
    }

    private Fail2banInstance host(String name, int port, Path client) throws IOException {
        Path hostDir = Files.createDirectories(dir.resolve(name));
        Path agentConfig = hostDir.resolve("fail2ban-cluster.yml");
        Files.writeString(agentConfig, Fail2banEndToEndIT.agentConfig(name, port, hostDir)
                + "reconnect_min: 0.2\nreconnect_max: 1\n");
        String action = "         fail2ban_cluster.py[channel=Fail2ban, socket=" + hostDir.resolve("control.sock")
                + ", source=" + name + ", config=" + agentConfig + ", client=" + client + "]\n";
        Fail2banInstance f2b = keep(Fail2banInstance.create(name, hostDir, REPO_ETC,
                "client = " + client + "\nconfig = " + agentConfig + "\nsource = " + name,
                jail -> replaceOnce(jail, Fail2banEndToEndIT.PYTHON_ACTION, action)));
        f2b.start();
        Files.writeString(agentConfig, Files.readString(agentConfig).replace("@SOCKET@", f2b.socket().toString()));
        return f2b;
    }

    private JavaProcess agent(String name) {
        Path config = dir.resolve(name).resolve("fail2ban-cluster.yml");
        return keep(JavaProcess.start("agent " + name, AgentMain.class, "run", "--config=" + config));
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
