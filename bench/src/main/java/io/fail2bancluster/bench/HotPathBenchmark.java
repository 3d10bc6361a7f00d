package io.fail2bancluster.bench;

import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
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
 * The agent's per-message work, on one thread: cut the line out of the bytes (the agent's fail-fast
 * {@link LineBasedFrameDecoder}), decode it as {@link ServerLineDecoder} does, parse the message, check the
 * filter as the agent's route does and render the action. Baselines: an indexOf parse of the same message
 * into a HashMap, and a regex split, with nothing else.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmark {
    static final String LINE = "Fail2ban!jail=sshd, action=banip, ip=192.0.2.7\n";
    static final String MESSAGE = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final Pattern COMMA = Pattern.compile("\\s*,\\s*");
    private static final Pattern EQUALS = Pattern.compile("\\s*=\\s*");

    private final List<FilterEntry> filters = List.of(
            new FilterEntry("filter[0]", "action", List.of("banip", "unbanip")),
            new FilterEntry("filter[1]", "jail", List.of("sshd")));
    private final ActionTemplate action = ActionTemplate.parse("fail2ban-client set %jail% %action% %ip%");
    private Frames frames;
    private ByteBuf input;

    /** Exposes the decoder's one-frame step, which the agent's pipeline calls per line. */
    static final class Frames extends LineBasedFrameDecoder {
        Frames() {
            super(Wire.DEFAULT_MAX_LINE, true, true);
        }

        ByteBuf next(ByteBuf in) throws Exception {
            return (ByteBuf) decode(null, in);
        }
    }

    @Setup
    public void setUp() {
        frames = new Frames();
        input = Unpooled.directBuffer().writeBytes(LINE.getBytes(StandardCharsets.UTF_8));
    }

    @TearDown
    public void tearDown() {
        input.release();
    }

    @Benchmark
    public Object agentHotPath() throws Exception {
        input.setIndex(0, LINE.length());
        ByteBuf frame = frames.next(input);
        ServerLine line;
        try {
            line = ServerLine.parse(frame.toString(StandardCharsets.UTF_8));
        } finally {
            frame.release();
        }
        ServerLine.ChannelMessage delivered = (ServerLine.ChannelMessage) line;
        Message message = Message.parse(delivered.message());
        for (FilterEntry entry : filters) {
            if (!entry.accepts(message.get(entry.key()))) {
                return null;
            }
        }
        return action.render(delivered.channel(), message);
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
