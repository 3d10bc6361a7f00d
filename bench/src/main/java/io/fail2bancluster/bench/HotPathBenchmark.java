package io.fail2bancluster.bench;

import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.MessageSignature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The agent's per-message work, on one thread, through the agent's own assembled server pipeline
 * ({@link AssembledServerPipeline}): frame, decode, liveness, session, then the message path itself:
 * parse within the limits, verify the signature of a signed channel (HMAC, window, nonce), filter, dedupe
 * and render the action for a runner that only counts. Every message is distinct (its own nonce and ip),
 * as a fleet's bans are, and the cycle of them is longer than the nonce cache, so none is a replay.
 * Baselines: an indexOf parse of an unsigned message into a HashMap, and a regex split, with nothing else.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmark {
    static final String CHANNEL = "Fail2ban";
    static final String MESSAGE = "jail=sshd, action=banip, ip=192.0.2.7";
    /** Longer than the agent's nonce cache (100,000), so a message comes round again only after its nonce left it. */
    private static final int DISTINCT = 104_000;
    private static final Pattern COMMA = Pattern.compile("\\s*,\\s*");
    private static final Pattern EQUALS = Pattern.compile("\\s*=\\s*");

    /** The agent and its distinct signed lines: only the agent's benchmark pays for building them. */
    @State(Scope.Thread)
    public static class Agent {
        private AssembledServerPipeline agent;
        private ByteBuf lines;
        private int[] starts;
        private int next;
        private Path dir;

        @Setup
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("hotpath");
            Path key = dir.resolve("channel.key");
            Files.writeString(key, "a bench key of at least 32 bytes, never used elsewhere\n");
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            agent = new AssembledServerPipeline("""
                    servers:
                      - host: 127.0.0.1
                        channels:
                          - name: %s
                            action: "fail2ban-client set %%jail%% %%action%% %%ip%%"
                            filter:
                              - key: action
                                values: [banip, unbanip]
                              - key: jail
                                values: [sshd]
                            secret_files: [%s]
                    """.formatted(CHANNEL, key));
            MessageSignature signature = SigningKey.read(key).signature();
            long now = Instant.now().getEpochSecond();
            lines = Unpooled.directBuffer(DISTINCT * 160);
            starts = new int[DISTINCT + 1];
            for (int i = 0; i < DISTINCT; i++) {
                String ban = "jail=sshd, action=banip, ip=10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255);
                starts[i] = lines.writerIndex();
                lines.writeCharSequence(CHANNEL + "!" + signature.append(CHANNEL, ban, now, "%032x".formatted(i))
                        + "\n", StandardCharsets.UTF_8);
            }
            starts[DISTINCT] = lines.writerIndex();
        }

        @TearDown
        public void tearDown() throws IOException {
            long stopped = agent.count("rejected") + agent.count("filtered_out") + agent.count("errors");
            long runs = agent.runs();
            agent.close();
            lines.release();
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
            if (stopped != 0 || runs == 0) {
                throw new IllegalStateException("the bench must measure messages that run: " + runs + " ran, "
                        + stopped + " stopped");
            }
        }

        long receiveNext() {
            int i = next;
            next = i + 1 == DISTINCT ? 0 : i + 1;
            agent.receive(lines.retainedSlice(starts[i], starts[i + 1] - starts[i]));
            return agent.runs();
        }
    }

    @Benchmark
    public long agentHotPath(Agent agent) {
        return agent.receiveNext();
    }

    @Benchmark
    public Map<String, String> baselineIndexOfIntoHashMap() {
        Map<String, String> pairs = new HashMap<>();
        String text = MESSAGE;
        int start = 0;
        while (start <= text.length()) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? text.length() : comma;
            int eq = text.indexOf('=', start);
            if (eq >= 0 && eq < end) {
                pairs.put(text.substring(start, eq).trim(), text.substring(eq + 1, end).trim());
            }
            start = end + 1;
        }
        return pairs;
    }

    @Benchmark
    public Map<String, String> baselineRegexSplit() {
        Map<String, String> pairs = new HashMap<>();
        for (String pair : COMMA.split(MESSAGE.trim())) {
            String[] kv = EQUALS.split(pair, 2);
            if (kv.length == 2) {
                pairs.put(kv[0], kv[1]);
            }
        }
        return pairs;
    }
}
