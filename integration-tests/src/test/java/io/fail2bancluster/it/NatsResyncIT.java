package io.fail2bancluster.it;

import static io.fail2bancluster.it.Fail2banEndToEndIT.PYTHON_ACTION;
import static io.fail2bancluster.it.Fail2banEndToEndIT.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.ClientMain;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.BanSubjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code fail2ban-cluster-client resync} with a config whose only entry is a NATS cluster: a real fail2ban
 * server (host A) holds bans that never reached the cluster (its jail has no announcing action, as when the
 * cluster was down), resync asks it for them and publishes each to a real nats-server, and an agent on host B
 * reading the stream runs them. Before the client had one {@code Destination} for both transports, resync
 * read only the config's fanout servers and exited 2 with "no server ... has a channel named Fail2ban".
 */
class NatsResyncIT {
    private static final Path REPO_ETC = Path.of("..", "etc");
    private static final String CHANNEL = "Fail2ban";
    private static final String STREAM = NatsServerConfig.DEFAULT_STREAM;
    private static final List<String> IPS = List.of("192.0.2.81", "198.51.100.82");

    @RegisterExtension
    final Cluster cluster = new Cluster();
    @RegisterExtension
    final NatsServers nats = new NatsServers();

    @BeforeAll
    static void needsFail2ban() {
        Fail2banInstance.assumeInstalled("resync to NATS");
    }

    @Test
    void resyncPublishesFail2bansCurrentBansToTheNatsStreamAndAnAgentRunsThem() throws Exception {
        String url = nats.single().url();
        RecordingAction action = cluster.recordingAction();
        AgentProcess agentB = cluster.keep(AgentProcess.start(Files.createDirectories(cluster.dir().resolve("hostB")),
                natsConfig(url, "hostB") + "    channels:\n      - name: " + CHANNEL + "\n        action: \""
                        + action.action("%action% %ip% %source%") + "\"\nlog_level: 3\n"));

        Path hostA = Files.createDirectories(cluster.dir().resolve("hostA"));
        Fail2banInstance a = cluster.keep(Fail2banInstance.create("hostA", hostA, REPO_ETC, "",
                jail -> replaceOnce(jail, PYTHON_ACTION, "")));
        a.start();
        for (String ip : IPS) {
            a.client("set", "sshd", "banip", ip);
        }
        assertEquals(Set.copyOf(IPS), Set.copyOf(a.banned("sshd")));

        Path clientConfig = Files.writeString(hostA.resolve("client.yml"),
                natsConfig(url, "hostA") + "    channels:\n      - name: " + CHANNEL + "\n");
        JavaProcess resync = cluster.keep(JavaProcess.start("resync", ClientMain.class, "resync", "--jail", "sshd",
                "--config=" + clientConfig, "--socket=" + a.socket()));
        assertEquals(0, resync.awaitExit(Cluster.WAIT), resync.output() + "\n" + a.diagnostics());
        assertTrue(resync.output().contains("announced 2 ban(s) to 1 server(s)"), resync.output());

        // in the stream, each as its ban's latest message
        try (Connection connection = Nats.connect(url)) {
            JetStreamManagement streams = connection.jetStreamManagement();
            for (String ip : IPS) {
                String ban = "jail=sshd, action=banip, ip=" + ip + ", source=hostA";
                assertEquals(ban, new String(streams.getLastMessage(STREAM, BanSubjects.subject(STREAM, CHANNEL, ban))
                        .getData(), StandardCharsets.UTF_8));
            }
        }
        // and host B's agent ran both
        List<List<String>> runs = action.awaitRuns(IPS.size(), agentB.process());
        assertEquals(IPS.stream().map(ip -> List.of("banip", ip, "hostA")).collect(Collectors.toSet()), Set.copyOf(runs),
                agentB.output());
        assertEquals(IPS.size(), runs.size(), agentB.output());
    }

    /** A config whose one entry is the NATS cluster at {@code url}, up to its channels. */
    private String natsConfig(String url, String hostname) {
        return "hostname: " + hostname + "\nreconnect_min: 0.1\nreconnect_max: 1\nservers:\n  - nats: [" + url + "]\n";
    }
}
