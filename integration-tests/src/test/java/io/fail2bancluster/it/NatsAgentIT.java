package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.ClientMain;
import io.fail2bancluster.client.NatsDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.NatsUrls;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.MessageSignature;
import io.fail2bancluster.nats.BanSubjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent receiving from a real nats-server: live delivery, and the catch-up of an agent that was away
 * (exactly the right actions, each once), a restart with nothing new, a fresh host, a cluster down at start.
 */
class NatsAgentIT {
    private static final String CHANNEL = "Fail2ban";

    @RegisterExtension
    final Cluster cluster = new Cluster();
    @RegisterExtension
    final NatsServers nats = new NatsServers();

    private RecordingAction action;

    private String yaml(String urls, Path stateDir, String actionLine) {
        return yaml(urls, stateDir, actionLine, List.of(NatsServerConfig.DEFAULT_STREAM));
    }

    /** One {@code nats:} entry per stream, all on {@code urls}, each carrying the channel. */
    private String yaml(String urls, Path stateDir, String actionLine, List<String> streams) {
        StringBuilder yaml = new StringBuilder("state_dir: " + stateDir + "\nservers:\n");
        for (String stream : streams) {
            yaml.append("  - nats: [").append(urls).append("]\n    stream: ").append(stream)
                    .append("\n    channels:\n      - name: ").append(CHANNEL)
                    .append("\n        action: \"").append(actionLine).append("\"\n");
        }
        return yaml + "reconnect_min: 0.1\nreconnect_max: 1\nexec_concurrency: 1\nlog_level: 3\n";
    }

    private AgentProcess agent(String name, String urls, Path stateDir) throws IOException {
        return agent(name, urls, stateDir, action.action("%action% %ip%"));
    }

    private AgentProcess agent(String name, String urls, Path stateDir, String actionLine) throws IOException {
        return agent(name, yaml(urls, stateDir, actionLine));
    }

    private AgentProcess agent(String name, String yaml) throws IOException {
        Path dir = Files.createDirectories(cluster.dir().resolve(name));
        return cluster.keep(AgentProcess.start(dir, yaml));
    }

    private static void publish(String urls, String message) {
        publish(urls, NatsServerConfig.DEFAULT_STREAM, message);
    }

    private static void publish(String urls, String stream, String message) {
        PublishResult result = tryPublish(urls, stream, message);
        assertTrue(result.accepted(), result.toString());
    }

    private static PublishResult tryPublish(String urls, String message) {
        return tryPublish(urls, NatsServerConfig.DEFAULT_STREAM, message);
    }

    /** As fail2ban's action does: accepted only on the stream's acknowledgement. */
    private static PublishResult tryPublish(String urls, String stream, String message) {
        NatsServerConfig server = new NatsServerConfig("test",
                List.of(urls.split(",")).stream().map(NatsUrls::parse).toList(), stream,
                OptionalInt.empty(), NatsServerConfig.DEFAULT_RETENTION, NatsAuth.NONE, Optional.empty(), List.of());
        return new Publisher().publish(List.of(new NatsDestination(server)), new Command.Announce(CHANNEL, message),
                Duration.ofSeconds(10)).get(0);
    }

    private static void stop(AgentProcess agent) {
        agent.process().terminate();
        assertEquals(0, agent.process().awaitExit(Cluster.WAIT), agent.output());
    }

    private static void awaitLive(AgentProcess agent) {
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.server0("state"))
                && "0".equals(agent.server0("nats.catch_up_left")));
    }

    /**
     * Waits until the stream stored {@code message} (the latest on its subject) longer ago than {@code age}, by
     * this host's clock, which is the agents' clock too.
     */
    private static void awaitStoredLongerAgoThan(String url, String message, Duration age) throws Exception {
        Instant stored;
        try (Connection connection = Nats.connect(url)) {
            stored = connection.jetStreamManagement().getLastMessage(NatsServerConfig.DEFAULT_STREAM,
                    BanSubjects.subject(NatsServerConfig.DEFAULT_STREAM, CHANNEL, message)).getTime().toInstant();
        }
        await().atMost(Cluster.WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> Instant.now().isAfter(stored.plus(age)));
    }

    private static Set<String> asSet(List<List<String>> runs) {
        return runs.stream().map(r -> String.join(" ", r)).collect(Collectors.toSet());
    }

    @Test
    void liveBansReachTwoAgentsAndAnAgentThatWasAwayRunsExactlyWhatIsStillTrue() throws Exception {
        String url = nats.single().url();
        action = cluster.recordingAction();
        Path state = cluster.dir().resolve("state-a");
        AgentProcess a = agent("a", url, state);
        AgentProcess b = agent("b", url, cluster.dir().resolve("state-b"));
        awaitLive(a);
        awaitLive(b);
        assertEquals(url, a.server0("nats.url"));

        // (a) live: one ban, both agents run it
        publish(url, "jail=sshd, action=banip, ip=192.0.2.1, bantime=3600");
        action.awaitRuns(2, a.process());
        assertEquals(List.of(List.of("banip", "192.0.2.1"), List.of("banip", "192.0.2.1")), action.runs());
        stop(b);

        // (b) while a is away: a ban in force, a ban that expires, a ban then its unban, the unban of 192.0.2.1
        stop(a);
        String expiring = "jail=sshd, action=banip, ip=192.0.2.3, bantime=1";
        publish(url, "jail=sshd, action=banip, ip=192.0.2.2, bantime=3600");
        publish(url, expiring);
        publish(url, "jail=sshd, action=banip, ip=192.0.2.4, bantime=3600");
        publish(url, "jail=sshd, action=unbanip, ip=192.0.2.4");
        publish(url, "jail=sshd, action=unbanip, ip=192.0.2.1");
        awaitStoredLongerAgoThan(url, expiring, Duration.ofSeconds(1)); // the 1 s ban has run out when a2 starts
        int before = action.runs().size();
        AgentProcess again = agent("a2", url, state);
        awaitLive(again);
        List<List<String>> runs = action.awaitRuns(before + 2, again.process());
        // nothing else may arrive: the catch-up is done (catch_up_left 0) and every run is recorded
        again.awaitHandled(2);
        runs = action.runs();
        assertEquals(Set.of("banip 192.0.2.2", "unbanip 192.0.2.1"), asSet(runs.subList(before, runs.size())),
                runs + "\n" + again.output());
        assertEquals(before + 2, runs.size(), runs.toString());
        // the expired ban and the unban of a ban it never ran (192.0.2.4's ban was replaced by that unban)
        assertEquals("2", again.server0("nats.catch_up_skipped"), again.output());

        // (c) a restart with nothing new runs nothing
        stop(again);
        int afterCatchUp = action.runs().size();
        AgentProcess third = agent("a3", url, state);
        awaitLive(third);
        assertEquals("0", third.server0("received"));
        assertEquals(afterCatchUp, action.runs().size());

        // (d) a fresh host runs only the bans in force: 192.0.2.2 (192.0.2.3 ran out, .1 and .4 were unbanned)
        AgentProcess fresh = agent("fresh", url, cluster.dir().resolve("state-fresh"));
        awaitLive(fresh);
        fresh.awaitHandled(1);
        runs = action.runs();
        assertEquals(List.of(List.of("banip", "192.0.2.2")), runs.subList(afterCatchUp, runs.size()));
        assertEquals("1", fresh.server0("received"));
    }

    @Test
    void aReloadStartsAnAddedEntryFromItsStoredPositionAndStopsARemovedOne() throws Exception {
        String url = nats.single().url();
        action = cluster.recordingAction();
        Path state = cluster.dir().resolve("state");
        String actionLine = action.action("%action% %ip%");
        String main = NatsServerConfig.DEFAULT_STREAM;
        String other = "OTHER_STREAM";
        AgentProcess agent = agent("reload", url, state, actionLine);
        awaitLive(agent);
        publish(url, main, "jail=sshd, action=banip, ip=192.0.2.1, bantime=3600");
        action.awaitRuns(1, agent.process());
        // a stream the agent does not read yet already holds a ban in force
        publish(url, other, "jail=sshd, action=banip, ip=192.0.2.2, bantime=3600");

        // added: it starts as a fresh host would on that stream, running the ban in force
        JavaProcess added = agent.reload(yaml(url, state, actionLine, List.of(main, other)));
        assertEquals(0, added.process().exitValue(), added.output() + agent.output());
        assertTrue(added.output().contains("added nats:" + other + "@"), added.output());
        List<List<String>> runs = action.awaitRuns(2, agent.process());
        assertEquals(List.of("banip", "192.0.2.2"), runs.get(1));
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.statusFields().get("server.1.state")));
        assertEquals("1", agent.server0("received"), "the kept entry kept its counters");

        // removed: its link stops; what its stream gets meanwhile does not run
        JavaProcess removed = agent.reload(yaml(url, state, actionLine, List.of(other)));
        assertEquals(0, removed.process().exitValue(), removed.output() + agent.output());
        assertTrue(removed.output().contains("removed nats:" + main + "@"), removed.output());
        await().atMost(Cluster.WAIT).until(() -> !agent.statusFields().containsKey("server.1.state"));
        publish(url, main, "jail=sshd, action=banip, ip=192.0.2.3, bantime=3600");
        publish(url, other, "jail=sshd, action=banip, ip=192.0.2.4, bantime=3600");
        runs = action.awaitRuns(3, agent.process());
        assertEquals(List.of("banip", "192.0.2.4"), runs.get(2), runs.toString());

        // added back: it resumes after its stored position, running exactly what it missed
        JavaProcess back = agent.reload(yaml(url, state, actionLine, List.of(other, main)));
        assertEquals(0, back.process().exitValue(), back.output() + agent.output());
        runs = action.awaitRuns(4, agent.process());
        assertEquals(List.of("banip", "192.0.2.3"), runs.get(3), runs.toString());
        await().atMost(Cluster.WAIT).until(() -> "0".equals(agent.statusFields().get("server.1.nats.catch_up_left")));
        assertEquals("1", agent.statusFields().get("server.1.received"),
                "the entry added back read exactly what it missed: 192.0.2.3 had not run while it was removed");
        agent.awaitHandled(4);
        assertEquals(4, action.runs().size(), action.runs() + "\n" + agent.output());
    }

    @Test
    void aFreshHostFacingMoreBansThanItsExecQueueHoldsRunsEveryOneDroppingNone() throws Exception {
        String url = nats.single().url();
        action = cluster.recordingAction();
        int bans = 120;
        Set<String> expected = new java.util.HashSet<>();
        for (int i = 1; i <= bans; i++) {
            publish(url, "jail=sshd, action=banip, ip=198.51.100." + i + ", bantime=3600");
            expected.add("banip 198.51.100." + i);
        }
        // 8 actions may wait: the stream must wait for the runner instead of the queue dropping the rest
        String yaml = yaml(url, cluster.dir().resolve("state"), action.action("%action% %ip%"))
                .replace("exec_concurrency: 1\n", "exec_concurrency: 1\nexec_queue: 8\n");
        AgentProcess agent = agent("small-queue", yaml);
        List<List<String>> runs = action.awaitRuns(bans, agent.process());
        assertEquals(expected, asSet(runs), agent.output());
        agent.awaitHandled(bans);
        assertEquals(bans, action.runs().size(), "each once");
        assertEquals("0", agent.server0("dropped"), agent.output());
        assertEquals(String.valueOf(bans), agent.server0("executed"));
    }

    @Test
    void anAgentKilledWithActionsStillQueuedRunsThemWhenItStartsAgain() throws Exception {
        String url = nats.single().url();
        action = cluster.recordingAction();
        // an action stuck until a file appears that never does: the agent is killed with every ban queued
        Path stuck = cluster.dir().resolve("stuck.sh");
        Files.writeString(stuck, "#!/bin/sh\ni=0\nwhile [ ! -e \"$1\" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done\nexit 1\n");
        stuck.toFile().setExecutable(true);
        Path state = cluster.dir().resolve("state");
        AgentProcess first = agent("a", url, state, stuck + " " + cluster.dir().resolve("never") + " %action% %ip%");
        awaitLive(first);
        List<String> bans = List.of("192.0.2.21", "192.0.2.22", "192.0.2.23");
        for (String ip : bans) {
            publish(url, "jail=sshd, action=banip, ip=" + ip + ", bantime=600");
        }
        await().atMost(Cluster.WAIT).until(() -> "3".equals(first.server0("received")));
        first.process().kill();

        AgentProcess again = agent("a2", url, state);
        awaitLive(again);
        List<List<String>> runs = action.awaitRuns(bans.size(), again.process());
        again.awaitHandled(bans.size());
        assertEquals(bans.stream().map(ip -> List.of("banip", ip)).toList(), action.runs(),
                "each ban the killed agent had not run, once, in order\n" + again.output());
    }

    @Test
    void aBanHandedToTheAgentWhileTheClusterIsDownIsStoredOnceWhenItIsBack() throws Exception {
        NatsServers.Node node = nats.single();
        action = cluster.recordingAction();
        AgentProcess agent = agent("a", node.url(), cluster.dir().resolve("state"));
        awaitLive(agent);
        node.kill();
        String ban = "jail=sshd, action=banip, ip=192.0.2.41, bantime=600";

        JavaProcess handOver = cluster.keep(JavaProcess.start("client", ClientMain.class, "publish", "--agent",
                cluster.dir().resolve("a/control.sock").toString(), "-c", CHANNEL, "-m", ban));

        assertEquals(0, handOver.awaitExit(Cluster.WAIT), handOver.output());
        assertEquals("1", agent.statusFields().get("outbox.depth"), "kept on disk until the cluster has it");
        node.start();
        await().atMost(Cluster.WAIT).until(() -> "0".equals(agent.statusFields().get("outbox.depth")));
        // the stream has it once, and the agent, reading the stream, ran it
        assertEquals(List.of(List.of("banip", "192.0.2.41")), action.awaitRuns(1, agent.process()));
        try (Connection connection = Nats.connect(node.url())) {
            JetStreamManagement jsm = connection.jetStreamManagement();
            assertEquals(1, jsm.getStreamInfo(NatsServerConfig.DEFAULT_STREAM).getStreamState().getMsgCount());
            assertEquals(ban, new String(jsm.getLastMessage(NatsServerConfig.DEFAULT_STREAM,
                    BanSubjects.subject(NatsServerConfig.DEFAULT_STREAM, CHANNEL, ban)).getData(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aHostCatchingUpOnASignedChannelTakesWhatWasSignedWhenItWasPublished() throws Exception {
        String url = nats.single().url();
        action = cluster.recordingAction();
        Path keyFile = cluster.dir().resolve("Fail2ban.key");
        Files.writeString(keyFile, "a shared secret for the whole fleet\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        MessageSignature key = SigningKey.read(keyFile).signature();
        long now = Instant.now().getEpochSecond();
        String fresh = "jail=sshd, action=banip, ip=192.0.2.51, bantime=600";
        String stale = "jail=sshd, action=banip, ip=192.0.2.52, bantime=600";
        publish(url, key.append(CHANNEL, fresh, now, "00000000000000000000000000000051"));
        // signed 10 s before the stream stored it: as stale in a catch-up as it would be live
        publish(url, key.append(CHANNEL, stale, now - 10, "00000000000000000000000000000052"));
        // time passing is what is tested: the agent starts when its clock is past the fresh one's 2 s window, twice
        await().atMost(Cluster.WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> Instant.now().isAfter(Instant.ofEpochSecond(now).plusSeconds(4)));
        Path dir = Files.createDirectories(cluster.dir().resolve("a"));
        AgentProcess agent = cluster.keep(AgentProcess.start(dir, "state_dir: " + dir.resolve("state")
                + "\nsignature_window: 2\nservers:\n  - nats: [" + url + "]\n    channels:\n      - name: " + CHANNEL
                + "\n        action: \"" + action.action("%action% %ip%") + "\"\n        secret_files: [" + keyFile
                + "]\n        require_signature: true\nreconnect_min: 0.1\nreconnect_max: 1\nlog_level: 3\n"));
        awaitLive(agent);
        agent.awaitHandled(1);
        assertEquals(List.of(List.of("banip", "192.0.2.51")), action.awaitRuns(1, agent.process()));
        await().atMost(Cluster.WAIT).until(() -> "1".equals(agent.server0("rejected")));
    }

    @Test
    void anAgentStartedWhileTheClusterIsDownWaitsAndDeliversOnceItIsUp() throws Exception {
        NatsServers.Node node = nats.single();
        node.kill();
        action = cluster.recordingAction();
        AgentProcess agent = agent("a", node.url(), cluster.dir().resolve("state"));
        await().atMost(Cluster.WAIT).until(() -> "waiting".equals(agent.server0("state")));
        node.start();
        awaitLive(agent);
        publish(node.url(), "jail=sshd, action=banip, ip=192.0.2.9, bantime=600");
        assertEquals(List.of(List.of("banip", "192.0.2.9")), action.awaitRuns(1, agent.process()));
    }

    @Test
    void aNodeKilledMidStreamLosesNoAcknowledgedBanAndRunsNoneTwice() throws Exception {
        List<NatsServers.Node> nodes = nats.cluster(3);
        String urls = NatsServers.urls(nodes);
        action = cluster.recordingAction();
        AgentProcess agent = agent("a", urls, cluster.dir().resolve("state"));
        awaitLive(agent);
        String via = agent.server0("nats.url");
        List<String> acknowledged = new java.util.ArrayList<>();
        long killed = 0;
        for (int i = 1; i <= 20; i++) {
            if (i == 8) {
                // the node the agent reads from: jnats must move it to another, the consumer resume after it
                nodes.stream().filter(n -> n.url().equals(via)).findFirst().orElseThrow().kill();
                killed = System.nanoTime();
            }
            String ip = "192.0.2." + i;
            if (tryPublish(urls, "jail=sshd, action=banip, ip=" + ip + ", bantime=600").accepted()) {
                acknowledged.add("banip " + ip);
            }
        }
        assertTrue(acknowledged.size() >= 15, acknowledged.toString());
        long published = System.nanoTime();
        try {
            await().atMost(Cluster.WAIT).until(() -> asSet(action.runs()).containsAll(acknowledged));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("acknowledged " + acknowledged + ", ran " + action.runs() + "\n"
                    + agent.output() + "\n" + nats.logTails(), e);
        }
        System.out.printf("NatsAgentIT: %d bans published %d ms after the kill; all ran %d ms after the last%n",
                20 - 7, (published - killed) / 1_000_000, (System.nanoTime() - published) / 1_000_000);
        List<String> runs = action.runs().stream().map(r -> String.join(" ", r)).toList();
        assertEquals(Set.copyOf(runs).size(), runs.size(), "a ban ran twice: " + runs + "\n" + agent.output());
    }
}
