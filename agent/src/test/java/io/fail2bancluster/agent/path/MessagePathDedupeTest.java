package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three servers' message paths sharing one deduplicator, as they do on the agent's loop. */
class MessagePathDedupeTest {
    private static final Duration WINDOW = Duration.ofSeconds(5);
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final String UNBAN = "jail=sshd, action=unbanip, ip=192.0.2.7";

    private final Deduplicator dedupe = new Deduplicator(WINDOW);
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private final List<EmbeddedChannel> servers = new ArrayList<>();
    private final List<MessagePath> paths = new ArrayList<>();
    private final List<ServerState> states = new ArrayList<>();

    @BeforeEach
    void setUp() {
        for (int i = 0; i < 3; i++) {
            ServerState state = new ServerState("fanout" + i + ":1986");
            EmbeddedChannel channel = new EmbeddedChannel();
            channel.freezeTime();
            paths.add(new MessagePath(state, i, new ChannelRoutes(Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute()),
                    Map.of()), Fixtures.shared(channel.eventLoop(), dedupe, runner)));
            servers.add(channel);
            states.add(state);
        }
    }

    @AfterEach
    void tearDown() {
        for (EmbeddedChannel channel : servers) {
            assertFalse(channel.finish());
        }
    }

    /** Delivers one copy through server {@code index}; true when it went on to exec. */
    private boolean copy(int index, String message) {
        int before = runner.calls.size();
        paths.get(index).accept(Fixtures.CHANNEL, message);
        return runner.calls.size() > before;
    }

    private int runs(int... order) {
        int runs = 0;
        for (int index : order) {
            runs += copy(index, BAN) ? 1 : 0;
        }
        return runs;
    }

    private long deduplicated() {
        return states.stream().mapToLong(s -> s.count(Counter.DEDUPLICATED)).sum();
    }

    @Test
    void onePublishThroughThreeServersRunsOnce() {
        assertEquals(1, runs(1, 0, 2));
        assertEquals(2, deduplicated());
    }

    @Test
    void banUnbanBanRunsThreeTimes() {
        int runs = 0;
        for (String message : List.of(BAN, UNBAN, BAN)) {
            for (int server : new int[] {0, 1, 2}) {
                runs += copy(server, message) ? 1 : 0;
            }
        }
        assertEquals(3, runs);
        assertEquals(6, deduplicated());
    }

    @Test
    void aCopyAfterTheWindowRunsAgain() {
        assertEquals(1, runs(0, 1));
        for (EmbeddedChannel channel : servers) {
            channel.advanceTimeBy(WINDOW.toNanos(), TimeUnit.NANOSECONDS);
        }
        assertEquals(1, runs(2), "the window ended, so this is a new publish");
    }
}
