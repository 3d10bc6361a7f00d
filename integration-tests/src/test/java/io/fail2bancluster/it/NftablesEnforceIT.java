package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import io.fail2bancluster.broker.BrokerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code enforce: nftables} with real packets: a broker, an agent and TCP probes all run inside a network
 * namespace this test creates, with documentation addresses on its {@code lo}; a ban must make a banned
 * address's connects time out while a bystander's still connect. Skipped, saying why, where no namespace
 * can be made (not root, no iproute2).
 */
class NftablesEnforceIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TARGET4 = "192.0.2.1";
    private static final String TARGET6 = "2001:db8::1";
    private static final int PORT = 8022;
    private static final String LISTEN = """
            import socket
            s = socket.create_server(("::", %d), family=socket.AF_INET6, dualstack_ipv6=True, backlog=128)
            while True:
                c, _ = s.accept()
                c.close()
            """.formatted(PORT);
    /** argv: source, destination; exit 0 connected, 3 timed out. */
    private static final String PROBE = """
            import socket, sys
            src, dst = sys.argv[1], sys.argv[2]
            s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET)
            s.settimeout(0.7)
            s.bind((src, 0))
            try:
                s.connect((dst, %d))
            except socket.timeout:
                sys.exit(3)
            """.formatted(PORT);
    /** argv: message; announces it on the broker in the namespace and waits for its ping reply. */
    private static final String PUBLISH = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", 1986), timeout=10)
            s.sendall(("announce Fail2ban " + sys.argv[1] + "\\nping\\n").encode())
            buf = b""
            while not any(l.strip().isdigit() for l in buf.split(b"\\n")):
                buf += s.recv(4096)
            """;

    @TempDir
    Path dir;
    private NetNamespace ns;
    private final List<JavaProcess> processes = new ArrayList<>();
    private JavaProcess agent;
    private Path config;

    @BeforeEach
    void namespace() throws IOException {
        StringBuilder why = new StringBuilder();
        ns = NetNamespace.create("f2bc-nft-" + ProcessHandle.current().pid(), List.of("192.0.2.1/24", "192.0.2.10/32",
                "192.0.2.11/32", "198.51.100.7/32", "2001:db8::1/64", "2001:db8::10/128", "2001:db8::11/128"), why);
        if (ns == null) {
            System.out.println("NftablesEnforceIT skipped: " + why);
        }
        Assumptions.assumeTrue(ns != null, why.toString());
        processes.add(JavaProcess.startCommand("listener", ns.command(List.of("python3", "-c", LISTEN)), null));
        JavaProcess broker = JavaProcess.startCommand("broker", ns.command(JavaProcess.javaCommand(List.of(),
                BrokerMain.class, "--bind=127.0.0.1", "--port=1986")), null);
        processes.add(broker);
        config = Files.writeString(dir.resolve("cluster.yml"), """
                servers:
                  - host: 127.0.0.1
                    port: 1986
                    ping_timeout: 3
                    channels:
                      - name: Fail2ban
                        enforce: nftables
                        bantime: 3600
                nftables:
                  reconcile: 2
                log_level: 3
                state_dir: %s
                control_socket: %s
                """.formatted(dir.resolve("state"), dir.resolve("control.sock")));
        await().atMost(WAIT).until(() -> connects("192.0.2.11", TARGET4));
        startAgent();
    }

    private void startAgent() {
        agent = JavaProcess.startCommand("fail2ban-clusterd", ns.command(JavaProcess.javaCommand(List.of(),
                AgentMain.class, "--config", config.toString(), "run")), null);
        try {
            agent.awaitLine(l -> l.endsWith(": connected"), WAIT);
        } catch (AssertionError e) {
            throw new AssertionError("the agent did not connect:\n" + agent.output(), e);
        }
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        processes.forEach(JavaProcess::close);
        if (ns != null) {
            ns.close();
        }
    }

    private boolean connects(String source, String target) {
        return ns.exec("python3", "-c", PROBE, source, target) == null;
    }

    private void publish(String message) {
        String failed = ns.exec("python3", "-c", PUBLISH, message);
        assertEquals(null, failed, "publishing " + message);
    }

    private void awaitBlocked(String source, String target) {
        await().atMost(WAIT).until(() -> !connects(source, target));
        assertTrue(connects(bystander(source), target), "the bystander of " + source + " must still connect");
    }

    private static String bystander(String source) {
        return source.contains(":") ? "2001:db8::11" : "192.0.2.11";
    }

    private Map<String, String> status() throws IOException {
        return ControlClient.request(dir.resolve("control.sock"), "status").fields();
    }

    @Test
    void aBanBlocksItsAddressOnlyAndAnUnbanOpensItAgain() throws IOException {
        assertTrue(connects("192.0.2.10", TARGET4));
        publish("jail=sshd, action=banip, ip=192.0.2.10");
        awaitBlocked("192.0.2.10", TARGET4);
        assertEquals("1", status().get("nft.set.ch_Fail2ban_v4"));
        publish("jail=sshd, action=unbanip, ip=192.0.2.10");
        await().atMost(WAIT).until(() -> connects("192.0.2.10", TARGET4));
        // both went down the agent's long-lived nft -i, which answered as the agent expects and is still up
        assertTrue(agent.process().children().anyMatch(c -> c.info().commandLine().orElse("").endsWith("nft -i")),
                "the agent keeps an nft -i");
        assertTrue(agent.lines(l -> l.contains("the session starts again")).isEmpty(), agent.output());
    }

    @Test
    void aBantimeRunsOutWithoutAnUnban() {
        publish("jail=sshd, action=banip, ip=192.0.2.10, bantime=3");
        awaitBlocked("192.0.2.10", TARGET4);
        await().atMost(WAIT).until(() -> connects("192.0.2.10", TARGET4));
    }

    @Test
    void aCidrBlocksItsAddressesAndAnIpv6BanBlocks() {
        publish("jail=sshd, action=banip, ip=198.51.100.0/24");
        await().atMost(WAIT).until(() -> !connects("198.51.100.7", TARGET4));
        assertTrue(connects("192.0.2.11", TARGET4));
        publish("jail=sshd, action=banip, ip=2001:db8::10");
        awaitBlocked("2001:db8::10", TARGET6);
    }

    @Test
    void enforcementSurvivesARestartWithNoDuplicateElement() throws IOException {
        publish("jail=sshd, action=banip, ip=192.0.2.10");
        awaitBlocked("192.0.2.10", TARGET4);
        agent.close();
        assertTrue(!connects("192.0.2.10", TARGET4), "a stopped agent leaves enforcement in place");
        startAgent();
        publish("jail=sshd, action=banip, ip=192.0.2.10");
        await().atMost(WAIT).ignoreExceptions().until(() -> Long.parseLong(status().get("server.0.executed"))
                + Long.parseLong(status().get("server.0.deduplicated")) == 1);
        String set = ns.output("nft", "list", "set", "inet", "fail2ban_cluster", "ch_Fail2ban_v4");
        assertEquals(1, Pattern.compile("192\\.0\\.2\\.10 ").matcher(set).results().count(), set);
        assertTrue(!connects("192.0.2.10", TARGET4));
    }

    @Test
    void aTableFlushedWhileTheAgentWasDownIsRefilledFromItsLedgerAtStart() {
        publish("jail=sshd, action=banip, ip=192.0.2.10, bantime=600");
        publish("jail=sshd, action=banip, ip=2001:db8::10");
        awaitBlocked("192.0.2.10", TARGET4);
        awaitBlocked("2001:db8::10", TARGET6);
        agent.close();
        assertEquals(null, ns.exec("nft", "flush", "ruleset"));
        assertTrue(connects("192.0.2.10", TARGET4), "flushed: open");
        startAgent();
        awaitBlocked("192.0.2.10", TARGET4);
        awaitBlocked("2001:db8::10", TARGET6);
        String set = ns.output("nft", "list", "set", "inet", "fail2ban_cluster", "ch_Fail2ban_v4");
        // what was left of its 600 s, not a fresh bantime (the channel's is 3600 s)
        assertTrue(Pattern.compile("192\\.0\\.2\\.10 timeout [0-9]m").matcher(set).find(), set);
        // no bantime of its own: the channel's hour, in the ledger as in the kernel, not fail2ban's 600 s
        String set6 = ns.output("nft", "list", "set", "inet", "fail2ban_cluster", "ch_Fail2ban_v6");
        assertTrue(Pattern.compile("2001:db8::10 timeout (59m|1h)").matcher(set6).find(), set6);
    }

    @Test
    void afterAFlushedRulesetEnforcementIsBackWithinTheReconcileInterval() throws IOException {
        publish("jail=sshd, action=banip, ip=192.0.2.10");
        awaitBlocked("192.0.2.10", TARGET4);
        // listed in the same breath as the flush: a packet probe could come after the agent's repair (2 s)
        assertEquals("", ns.output("sh", "-c", "nft flush ruleset && nft list ruleset").strip(), "flushed");
        await().atMost(Duration.ofSeconds(10)).until(() -> !connects("192.0.2.10", TARGET4));
        assertTrue(Long.parseLong(status().get("nft.repairs")) >= 1);
        assertTrue(connects("192.0.2.11", TARGET4));
    }

    @Test
    void aFlushedSetOrADeletedRuleIsRepairedWithinTheReconcileInterval() throws IOException {
        publish("jail=sshd, action=banip, ip=192.0.2.10");
        awaitBlocked("192.0.2.10", TARGET4);
        // the set stays, its elements go: the table's shape is as the agent left it
        assertEquals("0", ns.output("sh", "-c", "nft flush set inet fail2ban_cluster ch_Fail2ban_v4 && "
                + "nft list set inet fail2ban_cluster ch_Fail2ban_v4 | grep -c 192.0.2.10 || true").strip(), "flushed");
        await().atMost(Duration.ofSeconds(10)).until(() -> !connects("192.0.2.10", TARGET4));
        String set = ns.output("nft", "list", "set", "inet", "fail2ban_cluster", "ch_Fail2ban_v4");
        assertTrue(Pattern.compile("192\\.0\\.2\\.10 timeout (59m|1h)").matcher(set).find(), "its true end: " + set);
        assertTrue(Long.parseLong(status().get("nft.repairs")) >= 1);

        long repairs = Long.parseLong(status().get("nft.repairs"));
        assertEquals("", ns.output("sh", "-c", "nft delete rule inet fail2ban_cluster input handle $(nft -a list chain "
                + "inet fail2ban_cluster input | sed -n 's/.*@ch_Fail2ban_v4 drop # handle //p') && "
                + "nft list chain inet fail2ban_cluster input | grep '@ch_Fail2ban_v4 ' || true").strip(), "rule deleted");
        await().atMost(Duration.ofSeconds(10)).until(() -> !connects("192.0.2.10", TARGET4));
        assertTrue(Long.parseLong(status().get("nft.repairs")) > repairs);
        assertTrue(connects("192.0.2.11", TARGET4));
    }
}
