package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Message;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The limits, where a message enters the path: parsed once, and dropped there when past them. */
class MessagePathLimitsTest {
    private static final ClusterConfig.Limits LIMITS = new ClusterConfig.Limits(1024, 4, 8);
    private final ServerState state = new ServerState("fanout:1986");
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** Channel c runs {@code echo %_msg%} for everything, so what passes the limits reaches the runner. */
    private final Map<String, Route> echoRoutes = Map.of("c", Fixtures.route("c", List.of(),
            (ch, m) -> new ActionTemplate.Rendered.Argv(List.of("echo", m.raw())), "echo %_msg%"));
    private final MessagePath.Shared shared = new MessagePath.Shared(channel.eventLoop(),
            new Deduplicator(Duration.ofSeconds(5)), runner, new ExecReporter(channel.eventLoop().ticker()), LIMITS,
            ClusterConfig.DEFAULT_SIGNATURE_WINDOW, Clock.systemUTC());
    private final MessagePath path = new MessagePath(state, 0, new ChannelRoutes(echoRoutes, Map.of()), shared);

    @ParameterizedTest
    @ValueSource(strings = {"a=1,b=2,c=3,d=4", "a=12345678", "a = 12345678 ,b=", ",,,,,,a=1,,,,b=2,,,", "x=a=b=c=d",
            "k\t=\tv", "a=1,b=2,c=3,d=4\r", "k=ｓｓｈｄ"})
    void withinTheLimitsPassesUnchanged(String message) {
        path.accept("c", message);
        assertEquals(List.of(List.of("echo", message.replace("\r", ""))), runner.argvs(),
                "passed on with only the trailing CR removed");
        assertEquals(1, state.count(Counter.RECEIVED));
        assertEquals(0, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=1,b=2,c=3,d=4,e=5", "a=123456789", "a,b,c,d,e", "a=1,b=2,c=3,d=4,=", "k=12345678 9",
            "k=v\u0000", "k=a\rb", "k=\u001b[2J", "k=\u007f", "k=\n"})
    void pastAnyLimitOrWithAControlCharacterIsDroppedAndCounted(String message) {
        path.accept("c", message);
        assertEquals(List.of(), runner.argvs());
        assertEquals(1, state.count(Counter.RECEIVED));
        assertEquals(1, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    @Test
    void aCatchUpRequestGoesToTheCatchUpAndIsNotCountedAsAReceivedBan() {
        List<Message> requests = new java.util.ArrayList<>();
        path.catchUp(requestsInto(requests));
        path.accept("c", "action=catchup,source=h2,since=0");
        assertEquals(1, requests.size());
        assertEquals(List.of(), runner.argvs(), "a request never reaches an action");
        assertEquals(0, state.count(Counter.RECEIVED));
        assertEquals(0, state.count(Counter.FILTERED_OUT));
        path.accept("c", "a=1");
        assertEquals(1, state.count(Counter.RECEIVED));
        assertFalse(channel.finish());
    }

    @Test
    void aForgedCatchUpRequestOnASignedChannelIsReceivedAndRejectedAndReachesNoCatchUp(@TempDir Path dir)
            throws Exception {
        SigningKey key = Fixtures.signingKey(dir.resolve("c.key"), "a key of the channel, long enough");
        MessagePath signed = new MessagePath(state, 0,
                new ChannelRoutes(echoRoutes, Map.of("c", new SignaturePolicy(List.of(key), true))), shared);
        List<Message> requests = new java.util.ArrayList<>();
        signed.catchUp(requestsInto(requests));
        signed.accept("c", "action=catchup,source=intruder,since=0");
        assertEquals(List.of(), requests);
        assertEquals(1, state.count(Counter.RECEIVED), "every received message ends in one other outcome");
        assertEquals(1, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    /** A link's catch-up that only keeps the requests it is told of. */
    private static CatchUpListener requestsInto(List<Message> requests) {
        return new CatchUpListener() {
            @Override
            public void requested(String ch, Message request) {
                requests.add(request);
            }

            @Override
            public void reannounced(String ch, io.fail2bancluster.agent.ledger.BanMessage message) {
            }

            @Override
            public void recovered(String ch) {
            }
        };
    }

    private static String problem(String message) {
        return Message.parse(message, LIMITS.message()).refusal();
    }

    @Test
    void problemsAreNamed() {
        assertEquals("more than max_pairs (4) pairs", problem("a,b,c,d,e"));
        assertEquals("a value of 9 characters, more than max_value_length (8)", problem("a= 123456789 "));
        assertEquals("control character \"\\x00\" at index 3", problem("k=v\u0000"));
        assertNull(problem(""));
    }
}
