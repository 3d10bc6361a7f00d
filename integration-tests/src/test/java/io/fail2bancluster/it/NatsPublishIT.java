package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.client.ClientMain;
import io.fail2bancluster.client.NatsDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.NatsUrls;
import io.fail2bancluster.nats.BanSubjects;
import io.fail2bancluster.nats.MessageIds;
import io.fail2bancluster.protocol.Command;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code fail2ban-cluster-client} publishing to real nats-server processes with JetStream on 127.0.0.1:
 * a single node and a 3-node cluster.
 */
class NatsPublishIT {
    private static final String STREAM = NatsServerConfig.DEFAULT_STREAM;
    private static final String CHANNEL = "Fail2ban";
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7, bantime=600";
    private static final Duration EXIT_WITHIN = Cluster.WAIT;

    @RegisterExtension
    final NatsServers nats = new NatsServers();

    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void aPublishIsAcceptedOnlyOnceTheStreamHasStoredIt() throws Exception {
        NatsServers.Node node = nats.single();
        Path config = config(node.url(), "");

        JavaProcess client = client("publish", "--config", config.toString(), "-c", CHANNEL, "-m", BAN, "-v");

        assertEquals(0, client.awaitExit(EXIT_WITHIN), client.output());
        assertTrue(client.output().contains(node.url() + ": stored in " + STREAM + " as sequence 1"), client.output());
        try (Connection connection = Nats.connect(node.url())) {
            JetStreamManagement jsm = connection.jetStreamManagement();
            StreamConfiguration created = jsm.getStreamInfo(STREAM).getConfiguration();
            assertEquals(1, created.getMaxMsgsPerSubject());
            assertEquals(Duration.ofDays(30), created.getMaxAge());
            assertEquals(1, created.getReplicas(), "a single server gets one replica");
            MessageInfo stored = jsm.getLastMessage(STREAM, BanSubjects.subject(STREAM, CHANNEL, BAN));
            assertEquals(BAN, new String(stored.getData(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void natsPublishesToOneClusterWithoutAConfigAndAnUnbanReplacesItsBan() throws Exception {
        NatsServers.Node node = nats.single();
        String unban = "jail=sshd, action=unbanip, ip=192.0.2.7";
        assertEquals(0, client("--nats", node.url(), "-c", CHANNEL, "-m", BAN).awaitExit(EXIT_WITHIN));
        JavaProcess second = client("--nats", node.url(), "-c", CHANNEL, "-m", unban);
        assertEquals(0, second.awaitExit(EXIT_WITHIN), second.output());
        try (Connection connection = Nats.connect(node.url())) {
            StreamInfo info = connection.jetStreamManagement().getStreamInfo(STREAM);
            assertEquals(1, info.getStreamState().getMsgCount(), "the latest message per ban key");
            assertEquals(unban, new String(connection.jetStreamManagement()
                    .getLastMessage(STREAM, BanSubjects.subject(STREAM, CHANNEL, BAN)).getData(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aRetriedPublishIsStoredOnceAndALaterRealBanIsStoredAgain() throws Exception {
        NatsServers.Node node = nats.single();
        assertEquals(List.of(true), accepted(publish(server(node.url()), BAN,
                Duration.ofSeconds(10))));
        try (Connection connection = Nats.connect(node.url())) {
            // what a retry after a lost acknowledgement is: the same message with the same id, twice
            byte[] nonce = MessageIds.newNonce(new SecureRandom());
            String subject = BanSubjects.subject(STREAM, CHANNEL, BAN);
            PublishOptions sameId = PublishOptions.builder().messageId(MessageIds.of(CHANNEL, BAN, nonce)).build();
            PublishAck first = connection.jetStream().publish(subject, BAN.getBytes(StandardCharsets.UTF_8), sameId);
            PublishAck retry = connection.jetStream().publish(subject, BAN.getBytes(StandardCharsets.UTF_8), sameId);
            assertFalse(first.isDuplicate());
            assertTrue(retry.isDuplicate());
            assertEquals(first.getSeqno(), retry.getSeqno());
            assertEquals(2, connection.jetStreamManagement().getStreamInfo(STREAM).getStreamState().getLastSequence(),
                    "the client's publish, then one store for the two copies");
        }
        // fail2ban banning the address again is a new publish: a new id, stored
        assertEquals(List.of(true), accepted(publish(server(node.url()), BAN,
                Duration.ofSeconds(10))));
        try (Connection connection = Nats.connect(node.url())) {
            assertEquals(3, connection.jetStreamManagement().getStreamInfo(STREAM).getStreamState().getLastSequence());
        }
    }

    @Test
    void aStreamThatExistsWithAConflictingConfigurationIsAClearError() throws Exception {
        NatsServers.Node node = nats.single();
        try (Connection connection = Nats.connect(node.url())) {
            connection.jetStreamManagement().addStream(StreamConfiguration.builder().name(STREAM)
                    .subjects(STREAM + ".>").maxAge(Duration.ofDays(1)).build());
        }

        JavaProcess client = client("--config", config(node.url(), "").toString(), "-c", CHANNEL, "-m", BAN);

        assertEquals(1, client.awaitExit(EXIT_WITHIN), client.output());
        assertEquals(List.of("fail2ban-cluster-client: " + node.url() + ": stream " + STREAM + " exists with a "
                + "conflicting configuration: max_msgs_per_subject is -1, needs 1 (the latest message per ban key); "
                + "max_age is 86400 s, the config's retention is 2592000 s (change the stream, e.g. with nats stream "
                + "edit, or the config; nothing was published)"), client.stderr());
    }

    @Test
    void theWholeClusterDownExitsOneNamingIt() throws Exception {
        String urls = "nats://127.0.0.1:" + Cluster.unusedPort() + ",nats://127.0.0.1:" + Cluster.unusedPort();

        JavaProcess client = client("--nats", urls, "--timeout", "2", "-c", CHANNEL, "-m", BAN);

        assertEquals(1, client.awaitExit(EXIT_WITHIN), client.output());
        assertEquals(1, client.stderr().size(), client.output());
        assertTrue(client.stderr().get(0).startsWith("fail2ban-cluster-client: " + urls + ": not reachable within "
                + "the timeout"), client.output());
    }

    @Test
    void theStreamLeaderKilledMidStreamLosesNothingAcknowledgedAndStoresNothingTwice() throws Exception {
        List<NatsServers.Node> nodes = nats.cluster(3);
        NatsServerConfig server = server(NatsServers.urls(nodes));
        assertEquals(List.of(true), accepted(publish(server, ban(0, 0),
                Duration.ofSeconds(30))));
        NatsServers.Node leader;
        try (Connection connection = Nats.connect(nodes.get(0).url())) {
            StreamInfo info = connection.jetStreamManagement().getStreamInfo(STREAM);
            assertEquals(3, info.getConfiguration().getReplicas(), "3 replicas on a cluster of 3");
            String name = info.getClusterInfo().getLeader();
            leader = nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
        }

        // a steady stream of bans from several publishers; the stream's leader dies with -9 in the middle
        int publishers = 4;
        int each = 15;
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        List<String> refused = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            int publisher = p;
            Thread thread = new Thread(() -> {
                for (int i = 1; i <= each; i++) {
                    String ban = ban(publisher, i);
                    PublishResult result = publish(server, ban, Duration.ofSeconds(30)).get(0);
                    (result.accepted() ? acknowledged : refused).add(ban + " -> " + result.reason());
                }
            });
            thread.start();
            threads.add(thread);
        }
        await().atMost(EXIT_WITHIN).until(() -> acknowledged.size() >= publishers * each / 3);
        leader.kill();
        for (Thread thread : threads) {
            thread.join(EXIT_WITHIN.toMillis());
        }
        assertEquals(List.of(), refused, "the two nodes left carry on");
        assertEquals(publishers * each, acknowledged.size());

        List<String> survivors = new ArrayList<>();
        nodes.stream().filter(n -> n != leader).forEach(n -> survivors.add(n.url()));
        try (Connection connection = Nats.connect(io.nats.client.Options.builder()
                .servers(survivors.toArray(String[]::new)).build())) {
            JetStreamManagement jsm = connection.jetStreamManagement();
            for (String entry : acknowledged) {
                String ban = entry.substring(0, entry.indexOf(" -> "));
                MessageInfo stored = jsm.getLastMessage(STREAM, BanSubjects.subject(STREAM, CHANNEL, ban));
                assertEquals(ban, new String(stored.getData(), StandardCharsets.UTF_8));
            }
            StreamInfo info = jsm.getStreamInfo(STREAM);
            int expected = publishers * each + 1;
            assertEquals(expected, info.getStreamState().getMsgCount(), "every acknowledged ban is in the stream");
            assertEquals(expected, info.getStreamState().getLastSequence(), "and none was stored twice");
        }
    }

    private static String ban(int publisher, int i) {
        return "jail=sshd, action=banip, ip=198.51." + publisher + "." + i + ", bantime=600";
    }

    /** As fail2ban's action does: to one cluster, accepted only on the stream's acknowledgement. */
    private static List<PublishResult> publish(NatsServerConfig server, String message, Duration timeout) {
        return new Publisher().publish(List.of(new NatsDestination(server)), new Command.Announce(CHANNEL, message),
                timeout);
    }

    private static List<Boolean> accepted(List<PublishResult> results) {
        return results.stream().map(r -> {
            assertTrue(r.accepted(), r.toString());
            return r.accepted();
        }).toList();
    }

    private static NatsServerConfig server(String urls) {
        List<URI> parsed = new ArrayList<>();
        for (String url : urls.split(",")) {
            parsed.add(NatsUrls.parse(url));
        }
        return new NatsServerConfig("test", parsed, STREAM, OptionalInt.empty(), NatsServerConfig.DEFAULT_RETENTION,
                NatsAuth.NONE, Optional.empty(), List.of());
    }

    private Path config(String urls, String extra) throws java.io.IOException {
        Path file = nats.dir().resolve("client.yml");
        Files.writeString(file, "servers:\n  - nats: [" + urls + "]\n" + extra.indent(4)
                + "    channels:\n      - name: " + CHANNEL + "\n");
        return file;
    }

    private JavaProcess client(String... args) {
        return cluster.keep(JavaProcess.start("client", ClientMain.class, args));
    }
}
