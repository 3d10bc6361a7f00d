package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.nats.CatchUp;
import io.fail2bancluster.nats.StoredMessage;
import io.fail2bancluster.agent.nats.StreamSubscriber;
import io.fail2bancluster.client.NatsDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.NatsUrls;
import io.fail2bancluster.protocol.Command;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's NATS reading side against a real nats-server: the subscriber hands messages to the event loop in
 * stream order from the position asked for, and what the client published feeds the catch-up decision.
 */
class NatsStreamSubscriberIT {
    private static final String CHANNEL = "Fail2ban";

    @RegisterExtension
    final NatsServers nats = new NatsServers();

    @Test
    void messagesFromTheStartSequenceArriveOnTheEventLoopInOrderAndAnUnbanNamesTheBanItReplaced() throws Exception {
        NatsServers.Node node = nats.single();
        NatsServerConfig server = new NatsServerConfig("test", List.of(NatsUrls.parse(node.url())),
                NatsServerConfig.DEFAULT_STREAM, java.util.OptionalInt.empty(), NatsServerConfig.DEFAULT_RETENTION, NatsAuth.NONE,
                Optional.empty(), List.of());
        String ban1 = "jail=sshd, action=banip, ip=192.0.2.1, bantime=3600";
        String ban2 = "jail=sshd, action=banip, ip=192.0.2.2, bantime=3600";
        String ban3 = "jail=sshd, action=banip, ip=192.0.2.3, bantime=-1";
        String unban1 = "jail=sshd, action=unbanip, ip=192.0.2.1";
        for (String message : List.of(ban1, ban2, ban3, unban1)) {
            PublishResult result = new Publisher().publish(List.of(new NatsDestination(server)),
                    new Command.Announce(CHANNEL, message), Duration.ofSeconds(10)).get(0);
            assertTrue(result.accepted(), result.toString());
        }
        // the stream now holds ban2 (seq 2), ban3 (3) and unban1 (4), which replaced ban1 (1)

        EventLoop loop = new DefaultEventLoop();
        List<StoredMessage> received = new CopyOnWriteArrayList<>();
        List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        try (Connection connection = Nats.connect(node.url());
             StreamSubscriber subscriber = StreamSubscriber.start(connection, NatsServerConfig.DEFAULT_STREAM, 3, loop,
                     1, (m, done) -> {
                         onLoop.add(loop.inEventLoop());
                         received.add(m);
                         done.run(); // a window of one: the next comes only now
                     })) {
            await().atMost(Cluster.WAIT).until(() -> received.size() >= 2);
            assertEquals(List.of(3L, 4L), received.stream().map(StoredMessage::sequence).toList());
            assertEquals(List.of(ban3, unban1), received.stream().map(StoredMessage::message).toList());
            assertEquals(List.of(true, true), onLoop);
            assertEquals(CHANNEL, received.get(0).channel());
            assertEquals(OptionalLong.of(1), received.get(1).replacedSequence(), "the unban names the ban it lifts");
            assertTrue(Duration.between(received.get(0).stored(), Instant.now()).abs().compareTo(Duration.ofMinutes(1)) < 0);

            // a host that had processed up to 2 runs the permanent ban and the unban of the ban it ran (seq 1)
            List<CatchUp.Verdict> verdicts = CatchUp.decide(received, Instant.now(), OptionalLong.of(2)).stream()
                    .map(CatchUp.Decision::verdict).toList();
            assertEquals(List.of(CatchUp.Verdict.RUN_BAN_IN_FORCE, CatchUp.Verdict.RUN_UNBAN_OF_A_BAN_PROCESSED_HERE),
                    verdicts);
            // one that had processed nothing after 0 but has state never ran ban1: its unban does not run
            assertEquals(CatchUp.Verdict.SKIP_UNBAN_OF_A_BAN_NEVER_RUN_HERE,
                    CatchUp.verdict(received.get(1), Instant.now(), OptionalLong.of(0)));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
