package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.NatsServerConfig;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ban}, {@code unban}, {@code import} and {@code bans} as an operator runs them, each a real client
 * process, against a real nats-server and a fanout server (the reference C fanout with
 * {@code -Dfanout.binary=...}, else our broker), with real agents receiving: what they run, once each, and what
 * {@code bans} lists.
 */
class BansCommandsIT {
    private static final String CHANNEL = "Fail2ban";
    private static final Pattern ROW = Pattern.compile(
            "\\{\"ip\": \"([^\"]+)\", \"jail\": \"([^\"]+)\", \"source\": \"([^\"]*)\", \"since\": (\\d+), \"until\": (\\d+|null),");

    @RegisterExtension
    final Cluster cluster = new Cluster();
    @RegisterExtension
    final NatsServers nats = new NatsServers();

    /** An entry of the config, agent's and client's alike: a NATS stream carrying the channel. */
    private static String natsEntry(String url, String actionLine, int batch) {
        return "  - nats: [" + url + "]\n    channels:\n      - name: " + CHANNEL + "\n        action: \"" + actionLine
                + "\"\n        batch: " + batch + "\n";
    }

    /** A fanout entry carrying the channel. */
    private static String fanoutEntry(int port, String actionLine, int batch) {
        return "  - host: 127.0.0.1\n    port: " + port + "\n    channels:\n      - name: " + CHANNEL
                + "\n        action: \"" + actionLine + "\"\n        batch: " + batch + "\n";
    }

    /** The shipped defaults (exec_queue 10,000: a 20,000 import on fanout meets the agent's back-pressure). */
    private static String config(String entries, Path dir) {
        return "servers:\n" + entries + "reconnect_min: 0.1\nreconnect_max: 1\nexec_concurrency: 1\nlog_level: 2\n"
                + "hostname: admin.example.com\nstate_dir: " + dir.resolve("state") + "\n";
    }

    /** The agent's config, and beside it the client's: the same file, as on a host. */
    private AgentProcess agent(String name, String entries) throws IOException {
        Path dir = Files.createDirectories(cluster.dir().resolve(name));
        return cluster.keep(AgentProcess.start(dir, config(entries, dir)));
    }

    private Path clientConfig(String name, String entries, Path agentSocket) throws IOException {
        Path dir = Files.createDirectories(cluster.dir().resolve(name));
        return Files.writeString(dir.resolve("client.yml"), config(entries, dir)
                + (agentSocket == null ? "" : "control_socket: " + agentSocket + "\n"));
    }

    private JavaProcess client(int expectedStatus, String... args) {
        JavaProcess client = cluster.client(args);
        assertEquals(expectedStatus, client.process().exitValue(), String.join(" ", args) + ":\n" + client.output());
        return client;
    }

    /** {@code bans --json}, by address: jail, source, since, until (null: permanent). */
    private Map<String, List<String>> bans(String... options) {
        List<String> args = new ArrayList<>(List.of("bans", "--json"));
        args.addAll(List.of(options));
        JavaProcess client = client(0, args.toArray(String[]::new));
        Map<String, List<String>> rows = new HashMap<>();
        Matcher row = ROW.matcher(String.join("\n", client.stdout()));
        while (row.find()) {
            rows.put(row.group(1), List.of(row.group(2), row.group(3), row.group(4), row.group(5)));
        }
        return rows;
    }

    private static long messagesIn(String url) throws Exception {
        try (Connection connection = Nats.connect(url)) {
            return connection.jetStreamManagement().getStreamInfo(NatsServerConfig.DEFAULT_STREAM).getStreamState()
                    .getMsgCount();
        } catch (JetStreamApiException e) {
            return 0; // no stream: nothing was ever published
        }
    }

    @Test
    void onNatsTheListLeavesOutExpiredAndUnbannedBans() throws Exception {
        String url = nats.single().url();
        String config = clientConfig("client", natsEntry(url, "/bin/true", 1), null).toString();
        client(0, "ban", "192.0.2.1", "--duration", "1", "--config", config);
        client(0, "ban", "192.0.2.2", "--duration", "1h", "--config", config);
        client(0, "ban", "2001:DB8::/48", "--duration", "permanent", "--jail", "sshd", "--config", config);
        client(0, "ban", "192.0.2.4", "--config", config);
        client(0, "unban", "192.0.2.4", "--config", config);
        Instant oneSecondAfterTheFirst = Instant.now().plusSeconds(1);
        await().atMost(Cluster.WAIT).until(() -> Instant.now().isAfter(oneSecondAfterTheFirst));

        Map<String, List<String>> rows = bans("--config", config);
        assertEquals(List.of("192.0.2.2", "2001:db8::/48"), rows.keySet().stream().sorted().toList(), rows.toString());
        List<String> hour = rows.get("192.0.2.2");
        assertEquals(List.of("sshd", "admin.example.com"), hour.subList(0, 2));
        assertEquals(3600, Long.parseLong(hour.get(3)) - Long.parseLong(hour.get(2)), "until is since + bantime");
        assertEquals("null", rows.get("2001:db8::/48").get(3), "permanent");
        assertEquals(List.of("192.0.2.2"), List.copyOf(bans("--config", config, "--ip", "192.0.2.2").keySet()));
        assertEquals(List.of("2001:db8::/48"), List.copyOf(bans("--config", config, "--ip", "2001:db8::7").keySet()),
                "a range covers the address asked for");
    }

    @Test
    void aBanAndItsUnbanAreRunByAReceivingAgentAndListedWithTheirUntil() throws Exception {
        String url = nats.single().url();
        RecordingAction action = cluster.recordingAction();
        AgentProcess agent = agent("agent", natsEntry(url, action.action("%action% %ip%"), 1));
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.server0("state")));
        String config = clientConfig("client", natsEntry(url, "/bin/true", 1), null).toString();

        client(0, "ban", "203.0.113.9", "--duration", "10m", "--reason", "by hand", "--config", config);
        assertEquals(List.of(List.of("banip", "203.0.113.9")), action.awaitRuns(1, agent.process()));
        List<String> row = bans("--config", config).get("203.0.113.9");
        assertEquals(600, Long.parseLong(row.get(3)) - Long.parseLong(row.get(2)), row.toString());

        client(0, "unban", "203.0.113.9", "--config", config);
        assertEquals(List.of("unbanip", "203.0.113.9"), action.awaitRuns(2, agent.process()).get(1));
        assertEquals(Map.of(), bans("--config", config));
    }

    @Test
    void anImportWithABadLineSendsNothing() throws Exception {
        String url = nats.single().url();
        String config = clientConfig("client", natsEntry(url, "/bin/true", 1), null).toString();
        Path list = Files.writeString(cluster.dir().resolve("list.txt"), "# a list\n192.0.2.1\n\n10.0.0.5/24\n192.0.2.3\n");
        JavaProcess client = client(2, "import", list.toString(), "--config", config);
        assertTrue(client.output().contains(list + ":4: '10.0.0.5/24' has bits set after the prefix; did you mean "
                + "10.0.0.0/24 (the block), or 10.0.0.5 (the one address)?; nothing sent"), client.output());
        assertEquals(0, messagesIn(url));
    }

    @Test
    void anImportOf20000IsRunOnceEachByAnAgentWithBatchAndAllAreListed() throws Exception {
        String url = nats.single().url();
        RecordingAction action = cluster.recordingAction();
        AgentProcess agent = agent("agent", natsEntry(url, action.action("%action% %ip%"), 100));
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.server0("state")));
        String config = clientConfig("client", natsEntry(url, "/bin/true", 1), null).toString();

        List<String> addresses = importTwentyThousand(config);
        assertRunOnceEach(action, agent, addresses);
        assertEquals(addresses.size(), bans("--config", config).size());
    }

    @Test
    void onFanoutABanAndAnImportOf20000AreRunOnceEachByTheAgentAndListed() throws Exception {
        FanoutFleet fleet = fanoutFleet(100);
        RecordingAction action = fleet.action();
        AgentProcess agent = fleet.agent();
        String config = fleet.config();

        client(0, "ban", "203.0.113.9", "--config", config);
        assertEquals(List.of(List.of("banip", "203.0.113.9")), action.awaitRuns(1, agent.process()));
        client(0, "unban", "203.0.113.9", "--config", config);
        assertEquals(List.of("unbanip", "203.0.113.9"), action.awaitRuns(2, agent.process()).get(1));

        List<String> addresses = importTwentyThousand(config);
        List<String> all = new ArrayList<>(List.of("203.0.113.9", "203.0.113.9"));
        all.addAll(addresses);
        assertRunOnceEach(action, agent, all);
        assertEquals(addresses.size(), bans("--config", config).size(), "listed by the agent, the unbanned one not");
    }

    /** On fanout the list comes from the agent: its ledger of the bans in force, over the control socket. */
    @Test
    void onFanoutTheListComesFromTheAgent() throws Exception {
        FanoutFleet fleet = fanoutFleet(1);
        RecordingAction action = fleet.action();
        AgentProcess agent = fleet.agent();
        String config = fleet.config();
        Path socket = fleet.socket();

        client(0, "ban", "203.0.113.9", "--duration", "1h", "--config", config);
        client(0, "ban", "198.51.100.0/24", "--duration", "permanent", "--config", config);
        action.awaitRuns(2, agent.process());
        Map<String, List<String>> rows = bans("--config", config);
        assertEquals(3600, Long.parseLong(rows.get("203.0.113.9").get(3)) - Long.parseLong(rows.get("203.0.113.9").get(2)));
        assertEquals("null", rows.get("198.51.100.0/24").get(3));
        assertEquals(rows, bans("--agent", socket.toString()));
        assertEquals(List.of("198.51.100.0/24"), List.copyOf(bans("--agent", socket.toString(), "--ip", "198.51.100.7")
                .keySet()));

        client(0, "unban", "203.0.113.9", "--config", config);
        action.awaitRuns(3, agent.process());
        assertEquals(List.of("198.51.100.0/24"), List.copyOf(bans("--config", config).keySet()));
    }

    /** A fanout server, an agent receiving from it with a recording action, and the client's config beside it. */
    private record FanoutFleet(RecordingAction action, AgentProcess agent, String config, Path socket) {
    }

    private FanoutFleet fanoutFleet(int batch) throws IOException {
        FanoutServer server = fanout();
        RecordingAction action = cluster.recordingAction();
        AgentProcess agent = agent("agent", fanoutEntry(server.port(), action.action("%action% %ip%"), batch));
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.server0("state")));
        Path socket = cluster.dir().resolve("agent").resolve("control.sock");
        return new FanoutFleet(action, agent, clientConfig("client", fanoutEntry(server.port(), "/bin/true", 1), socket)
                .toString(), socket);
    }

    /** The reference C fanout when {@code -Dfanout.binary} names it, else our broker. */
    private FanoutServer fanout() throws IOException {
        String binary = System.getProperty(FanoutInteropIT.PROPERTY, "").trim();
        return binary.isEmpty() ? cluster.broker() : cluster.reference(Path.of(binary));
    }

    /** Imports 20,000 distinct addresses (IPv4, IPv6, blocks) with the config; returns them as listed. */
    private List<String> importTwentyThousand(String config) throws IOException {
        List<String> addresses = new ArrayList<>();
        StringBuilder file = new StringBuilder("# 20,000 entries\n");
        for (int i = 0; i < 20_000; i++) {
            String address = i % 10 == 0 ? "2001:db8:" + Integer.toHexString(i + 1) + "::/48"
                    : "10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
            addresses.add(address);
            file.append(address).append('\n');
        }
        Path list = Files.writeString(cluster.dir().resolve("twenty-thousand.txt"), file);
        JavaProcess client = client(0, "import", list.toString(), "--config", config, "--duration", "1d");
        assertTrue(client.output().contains("import: 20000 ban(s) from " + list + ", jail sshd, bantime 86400 s: accepted"
                + " by 1 of 1 server(s)"), client.output());
        return addresses;
    }

    /** Every address run exactly once, in batches (a run carries more than one address). */
    private static void assertRunOnceEach(RecordingAction action, AgentProcess agent, List<String> addresses) {
        try {
            await().atMost(Cluster.WAIT.multipliedBy(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ranAddresses(action).size() >= addresses.size());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(ranAddresses(action).size() + " of " + addresses.size() + " addresses run; the "
                    + "agent's status: " + agent.statusFields() + "\n" + agent.output(), e);
        }
        Map<String, Integer> counted = new HashMap<>();
        ranAddresses(action).forEach(a -> counted.merge(a, 1, Integer::sum));
        Map<String, Integer> expected = new HashMap<>();
        addresses.forEach(a -> expected.merge(a, 1, Integer::sum));
        List<String> wrong = new ArrayList<>();
        expected.forEach((address, times) -> {
            if (!times.equals(counted.getOrDefault(address, 0))) {
                wrong.add(address + " run " + counted.getOrDefault(address, 0) + " time(s), expected " + times);
            }
        });
        counted.keySet().stream().filter(a -> !expected.containsKey(a)).forEach(a -> wrong.add(a + " run, never sent"));
        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())), wrong.size() + " address(es) wrong");
        assertTrue(action.runs().size() < addresses.size() / 2, "batched: " + action.runs().size() + " runs");
    }

    private static List<String> ranAddresses(RecordingAction action) {
        List<String> ran = new ArrayList<>();
        for (List<String> run : action.runs()) {
            ran.addAll(run.subList(1, run.size()));
        }
        return ran;
    }
}
