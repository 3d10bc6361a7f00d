package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.client.ClientMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product with real fail2ban: two fail2ban servers (hosts A and B, each with its own config
 * directory, socket, pid file and log), a broker, and an agent per host, all configured from the shipped
 * {@code etc/} files. Failed logins in A's auth.log make A's {@code sshd} jail ban the address; its
 * {@code fail2ban-cluster} action (the {@code .conf} one, which the shipped jail example names as the
 * alternative to the Python action; {@link Fail2banOutboxIT} runs that one) runs the real client, which announces it once; B's agent puts it in B's
 * receive-only {@code sshd-cluster} jail, and A's agent skips it ({@code skip_own}). Then the same for the
 * unban, and {@code client resync} for a ban no agent knew of (both were down; the action fell back to the client).
 *
 * <p>Both hosts are on this one machine, so where the shipped files name a host-wide thing the test
 * points it at the host's own: the agents' actions call {@code fail2ban-client -s <that host's socket>},
 * each agent and each action gets its own {@code hostname}/{@code source}, and the action calls the client
 * through a wrapper running {@link ClientMain} from the test class path (the dist launchers are built
 * after this module). The agent configs are generated from {@code etc/fail2ban-cluster.yml} by replacing
 * exactly those values; everything else (action template, filters, {@code skip_own}) is the shipped file.
 */
class Fail2banEndToEndIT {
    private static final Path REPO_ETC = Path.of("..", "etc");
    private static final String IP = "192.0.2.77";
    /** Banned on A while both agents are down; resync brings it to B. */
    private static final String MISSED = "198.51.100.78";
    /** The sshd jail's bantime (fail2ban's default, 10m), as fail2ban hands it to actionban: in seconds. */
    private static final String BANTIME = "600";
    private static final Duration WITHIN = Duration.ofSeconds(30);
    /** The shipped jail example's announcing action line. */
    static final String PYTHON_ACTION = "         fail2ban_cluster.py[channel=Fail2ban]\n";

    @TempDir
    Path dir;

    private final Resources resources = new Resources();

    @BeforeAll
    static void needsFail2ban() {
        Fail2banInstance.assumeInstalled("the end-to-end test");
    }

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
    }

    @Test
    void banUnbanAndResyncTravelFromHostAToBsReceiveJailThroughOneAnnounceEach() throws Exception {
        JavaProcess broker = keep(JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0"));
        int port = FanoutServer.awaitListeningPort(broker, WITHIN);
        RawSubscriber recorder = keep(new RawSubscriber(port, "Fail2ban"));
        Path client = clientWrapper(dir);

        Fail2banInstance a = host("hostA", port, client);
        Fail2banInstance b = host("hostB", port, client);
        JavaProcess agentA = agent("hostA");
        JavaProcess agentB = agent("hostB");
        agentA.awaitLine(l -> l.endsWith(": connected"), WITHIN);
        agentB.awaitLine(l -> l.endsWith(": connected"), WITHIN);

        // Ban: A's sshd jail finds the failed logins and runs actionban.
        long banStart = System.nanoTime();
        a.failedLogins(IP, 3);
        awaitOrExplain(() -> b.banned("sshd-cluster").contains(IP), "B's sshd-cluster to ban " + IP, a, b, agentA, agentB);
        System.out.printf("fail2ban end to end: failed logins on A -> banned in B's sshd-cluster in %d ms"
                + " (includes fail2ban's 1 s log polling)%n", (System.nanoTime() - banStart) / 1_000_000);

        assertEquals(List.of(IP), a.banned("sshd"));
        assertEquals("Fail2ban!jail=sshd, action=banip, ip=" + IP + ", source=hostA, bantime=" + BANTIME + "\n",
                bansAndUnbans(recorder), "exactly one announce, and no received ban announced again");
        String ranOnB = agentB.awaitLine(l -> l.contains(": ran ") && l.contains(" banip " + IP), WITHIN);
        System.out.println("fail2ban end to end: B's agent " + ranOnB.substring(ranOnB.indexOf("ran ")));
        agentA.awaitLine(l -> l.contains("skip_own") && l.contains("action=banip, ip=" + IP), WITHIN);
        assertEquals(0, ranFor(agentA, IP), agentA.output());
        assertEquals(1, ranFor(agentB, IP), agentB.output());
        assertEquals(List.of(), a.banned("sshd-cluster"), "A does not ban its own address a second time");
        assertEquals(List.of(), b.banned("sshd"), "B's publishing jail is untouched");

        // Unban: the operator lifts the ban on A; A's actionunban announces it.
        long unbanStart = System.nanoTime();
        a.client("set", "sshd", "unbanip", IP);
        awaitOrExplain(() -> !b.banned("sshd-cluster").contains(IP), "B's sshd-cluster to unban " + IP,
                a, b, agentA, agentB);
        System.out.printf("fail2ban end to end: unban on A -> unbanned in B's sshd-cluster in %d ms%n",
                (System.nanoTime() - unbanStart) / 1_000_000);

        assertEquals("Fail2ban!jail=sshd, action=unbanip, ip=" + IP + ", source=hostA\n",
                bansAndUnbans(recorder), "exactly one announce for the unban");
        agentB.awaitLine(l -> l.contains(": ran ") && l.contains(" unbanip " + IP), WITHIN);
        agentA.awaitLine(l -> l.contains("skip_own") && l.contains("action=unbanip, ip=" + IP), WITHIN);
        assertEquals(0, ranFor(agentA, IP), agentA.output());
        assertEquals(2, ranFor(agentB, IP), agentB.output());

        // Resync: both agents are down while A bans another address; A's action falls back to the client, so
        // the ban reaches the broker but no agent, and no ledger holds it: catch-up cannot bring it to B.
        agentB.terminate();
        agentB.awaitExit(WITHIN);
        agentA.terminate();
        agentA.awaitExit(WITHIN);
        a.client("set", "sshd", "banip", MISSED);
        await().atMost(WITHIN).until(() -> a.banned("sshd").contains(MISSED));
        assertEquals("Fail2ban!jail=sshd, action=banip, ip=" + MISSED + ", source=hostA, bantime=" + BANTIME + "\n",
                bansAndUnbans(recorder), "the client's fallback announced it");
        JavaProcess agentA2 = agent("hostA");
        JavaProcess agentB2 = agent("hostB");
        agentB2.awaitLine(l -> l.contains("caught up 0 bans from the fleet"), WITHIN);
        assertEquals(List.of(), b.banned("sshd-cluster"), "no host knew of it");
        JavaProcess resync = keep(JavaProcess.start("resync", ClientMain.class, "resync", "--jail", "sshd",
                "--config=" + dir.resolve("hostA/fail2ban-cluster.yml"), "--socket=" + a.socket()));
        assertEquals(0, resync.awaitExit(WITHIN), resync.output());
        awaitOrExplain(() -> b.banned("sshd-cluster").contains(MISSED), "resync to reach B's sshd-cluster",
                a, b, agentA2, agentB2);
        assertEquals(List.of(MISSED), b.banned("sshd-cluster"));
        agentA2.awaitLine(l -> l.contains("skip_own") && l.contains("ip=" + MISSED), WITHIN);
        assertEquals(List.of(), a.banned("sshd-cluster"), "A skips its own resync too");
        assertEquals(0, ranFor(agentA2, MISSED), agentA2.output());
        assertEquals(1, ranFor(agentB2, MISSED), agentB2.output());
    }

    /**
     * What was announced on the channel since the last call, without the agents' catch-up requests (each
     * asks the fleet once it is connected; FanoutCatchUpIT is about those).
     */
    private static String bansAndUnbans(RawSubscriber recorder) throws IOException {
        StringBuilder out = new StringBuilder();
        recorder.receivedUntilPingReply().lines().filter(l -> !l.startsWith("Fail2ban!action=catchup, "))
                .forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    /** Actions an agent has run for an address. */
    static long ranFor(JavaProcess agent, String ip) {
        List<String> lines = new ArrayList<>(agent.stdout());
        lines.addAll(agent.stderr());
        return lines.stream().filter(l -> l.contains(": ran ") && l.contains(" " + ip)).count();
    }

    private Fail2banInstance host(String name, int port, Path client) throws IOException {
        Path hostDir = Files.createDirectories(dir.resolve(name));
        Path agentConfig = hostDir.resolve("fail2ban-cluster.yml");
        Files.writeString(agentConfig, agentConfig(name, port, hostDir));
        Fail2banInstance f2b = keep(Fail2banInstance.create(name, hostDir, REPO_ETC,
                "client = " + client + "\nconfig = " + agentConfig + "\nsource = " + name,
                jail -> replaceOnce(jail, PYTHON_ACTION, "         fail2ban-cluster\n")));
        f2b.start();
        // now the socket path is known for sure; the agent's action needs it
        Files.writeString(agentConfig, Files.readString(agentConfig).replace("@SOCKET@", f2b.socket().toString()));
        return f2b;
    }

    /** The shipped example with this host's broker, fail2ban socket, name and files. */
    static String agentConfig(String name, int port, Path hostDir) throws IOException {
        String shipped = Files.readString(REPO_ETC.resolve("fail2ban-cluster.yml"));
        String config = replaceOnce(shipped, "host: fanout1.example.com", "host: 127.0.0.1");
        config = replaceOnce(config, "port: 1986", "port: " + port);
        config = replaceOnce(config, "        action: \"fail2ban-client set ", "        action: \"fail2ban-client -s @SOCKET@ set ");
        config = replaceOnce(config, "log_level: 2", "log_level: 3");
        config = replaceOnce(config, "pid_file: /run/fail2ban-cluster/fail2ban-clusterd.pid", "pid_file: " + hostDir.resolve("agent.pid"));
        return config + "hostname: " + name + "\ncontrol_socket: " + hostDir.resolve("control.sock") + "\nstate_dir: "
                + hostDir.resolve("state") + "\n";
    }

    /** Fails when the shipped example no longer has the line, so the test cannot drift from it unseen. */
    static String replaceOnce(String text, String from, String to) {
        int at = text.indexOf(from);
        assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, "the shipped file should contain once: " + from);
        return text.replace(from, to);
    }

    private JavaProcess agent(String name) {
        Path config = dir.resolve(name).resolve("fail2ban-cluster.yml");
        return keep(JavaProcess.start("agent " + name, AgentMain.class, "run", "--config=" + config));
    }

    /** {@code fail2ban-cluster-client} for fail2ban's action: the real client main on the test class path. */
    static Path clientWrapper(Path dir) throws IOException {
        Path wrapper = dir.resolve("fail2ban-cluster-client");
        Files.writeString(wrapper, """
                #!/bin/sh
                exec '%s' -Xmx64m -XX:TieredStopAtLevel=1 -Dio.netty.jfr.enabled=false -cp '%s' %s "$@"
                """.formatted(Path.of(System.getProperty("java.home"), "bin", "java"),
                System.getProperty("java.class.path"), ClientMain.class.getName()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        return wrapper;
    }

    static void awaitOrExplain(Supplier<Boolean> condition, String what, Fail2banInstance a,
                                       Fail2banInstance b, JavaProcess agentA, JavaProcess agentB) {
        try {
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(condition::get);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("waited " + WITHIN + " for " + what + "\n" + a.diagnostics() + b.diagnostics()
                    + agentA.output() + "\n" + agentB.output(), e);
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
