package io.fail2bancluster.agent;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The first look at a channel message, before anything parses or checks it: it is counted as received,
 * and dropped (counted as rejected) when it has more pairs than {@code max_pairs}, a value longer than
 * {@code max_value_length}, or a control character (NUL, CR, ESC...: no ban needs one, and a NUL cannot
 * even be passed to a program). The scan follows {@code Message.parse}'s rules without building anything,
 * so a hostile line costs one pass over its bytes.
 */
final class LimitsHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(LimitsHandler.class);

    private final ServerState state;
    private final ClusterConfig.Limits limits;
    private final Rejections rejections;

    LimitsHandler(ServerState state, ClusterConfig.Limits limits) {
        this.state = state;
        this.limits = limits;
        this.rejections = new Rejections(state, Counter.REJECTED);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ServerLine.ChannelMessage line) {
            state.increment(Counter.RECEIVED);
            String problem = problem(line.message(), limits);
            if (problem != null) {
                long count = rejections.record(ctx.executor().ticker().nanoTime());
                if (count > 0) {
                    LOG.warn("{} {}: dropped {}: {} ({} dropped over limits since the last warning)", state.address(),
                            Wire.quote(line.channel()), Wire.quote(line.message()), problem, count);
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** What is wrong with {@code message}, or null when it is within the limits. */
    static String problem(String message, ClusterConfig.Limits limits) {
        int end = message.endsWith("\r") ? message.length() - 1 : message.length();
        int pairs = 0;
        int start = 0;
        while (start <= end) {
            int comma = message.indexOf(',', start);
            int stop = comma < 0 || comma > end ? end : comma;
            int eq = -1;
            int first = -1;
            int last = -1;
            int valueFirst = -1;
            for (int i = start; i < stop; i++) {
                char c = message.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    return "control character " + Wire.quote(String.valueOf(c)) + " at index " + i;
                }
                if (c != ' ' && c != '\t') {
                    if (first < 0) {
                        first = i;
                    }
                    last = i;
                    if (eq >= 0 && valueFirst < 0) {
                        valueFirst = i;
                    }
                }
                if (c == '=' && eq < 0) {
                    eq = i;
                    valueFirst = -1;
                }
            }
            if (first >= 0) {
                if (++pairs > limits.maxPairs()) {
                    return "more than max_pairs (" + limits.maxPairs() + ") pairs";
                }
                int valueLength = eq < 0 || valueFirst < 0 ? 0 : last - valueFirst + 1;
                if (valueLength > limits.maxValueLength()) {
                    return "a value of " + valueLength + " characters, more than max_value_length ("
                            + limits.maxValueLength() + ")";
                }
            }
            start = stop + 1;
        }
        return null;
    }
}
