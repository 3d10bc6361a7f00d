package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 50,000 bans arrive in one burst on a fanout server, five times what the default {@code exec_queue} (10,000)
 * holds: the agent stops reading from the server while its queue is full and goes on as it drains, so every
 * one runs, once, and none is dropped. Against our broker, and against the reference C fanout when
 * {@code -Dfanout.binary} names it (see {@link FanoutInteropIT}).
 *
 * <p>The channel batches ({@code batch: 10}, as a fail2ban channel would with {@code fail2ban-client set JAIL
 * banip A B C}): 5,000 processes instead of 50,000, still far slower than the agent reads, so the queue fills.
 * The action writes the ids it was given to a file named by its first id; the test counts every id exactly.
 */
class BurstNoDropIT {
    private static final int MESSAGES = 50_000;
    private static final int BATCH = 10;
    /** 5,000 processes, four at a time, on two cores shared with other builds. */
    private static final Duration ALL_RUN_WITHIN = Duration.ofMinutes(8);

    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void fiftyThousandBansInABurstOnOurBrokerAllRunOnceAndNoneIsDropped() throws Exception {
        burst(cluster.broker());
    }

    /** Without the binary (CI) only the broker's burst runs: the same test, so nothing goes untested there. */
    @Test
    void fiftyThousandBansInABurstOnTheReferenceFanoutAllRunOnceAndNoneIsDropped() throws Exception {
        String binary = System.getProperty(FanoutInteropIT.PROPERTY, "").trim();
        assumeTrue(!binary.isEmpty(), "no reference fanout server; run with -D" + FanoutInteropIT.PROPERTY
                + "=/path/to/fanout");
        burst(cluster.reference(Path.of(binary)));
    }

    private void burst(FanoutServer server) throws Exception {
        Path dir = cluster.dir();
        Path runs = Files.createDirectory(dir.resolve("runs"));
        // each run appends the ids it carried, one a line, to a file of its own (named by its first id)
        Path action = Files.writeString(dir.resolve("record-ids.sh"), """
                printf '%%s\\n' "$@" >> '%s'/"run.$1"
                """.formatted(runs));
        AgentProcess agent = cluster.keep(AgentProcess.start(dir, ExecOverflowIT.sshdAgent(server.port(), action, BATCH,
                "log_level: 1\nlog_file: " + dir.resolve("agent.log") + "\n")));
        await().atMost(Cluster.WAIT).until(() -> agent.server0("state").equals("connected"));
        await().atMost(Cluster.WAIT).until(() -> ExecOverflowIT.subscribedProbe(server.port(), agent));

        long start = System.nanoTime();
        ExecOverflowIT.announceAll(server.port(), MESSAGES);
        await().atMost(ALL_RUN_WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> agent.counter("executed") >= MESSAGES);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        Map<String, Integer> ran = ranIds(runs);
        List<String> twice = ran.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertEquals(List.of(), twice, "ran more than once");
        assertEquals(MESSAGES, ran.size(), "every id ran");
        for (int i = 0; i < MESSAGES; i++) {
            assertTrue(ran.containsKey(Integer.toString(i)), "id " + i + " never ran");
        }
        assertEquals(MESSAGES, agent.counter("executed"));
        assertEquals(0, agent.counter("dropped"), "the exec queue bounds memory; it drops nothing");
        assertEquals(0, agent.counter("failed"));
        assertEquals(0, agent.counter("reconnects"), "the server never closed the paused agent");
        long pauses = agent.counter("reads_paused");
        assertTrue(pauses >= 1, "the burst filled the queue, and reading paused rather than dropping");
        System.out.printf("BurstNoDropIT (%s): %,d bans ran in %.1f s, reads paused %d time(s), none dropped%n",
                server.address(), MESSAGES, tookMillis / 1000.0, pauses);
    }

    /** How often each id was run, over every run's file. */
    private static Map<String, Integer> ranIds(Path runs) throws IOException {
        Map<String, Integer> ran = new HashMap<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(runs)) {
            files = new ArrayList<>(list.toList());
        }
        for (Path file : files) {
            for (String id : Files.readAllLines(file)) {
                ran.merge(id, 1, Integer::sum);
            }
        }
        return ran;
    }
}
