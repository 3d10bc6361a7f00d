package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.ServerLineEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerStatsTest {

    /** The info reply as the broker writes it: its lines through the server-line encoder. */
    private static String infoReply(BrokerStats stats) {
        EmbeddedChannel channel = new EmbeddedChannel(ServerLineEncoder.INSTANCE);
        channel.writeOutbound(stats.infoLines().toArray());
        StringBuilder reply = new StringBuilder();
        for (ByteBuf line = channel.readOutbound(); line != null; line = channel.readOutbound()) {
            reply.append(line.toString(StandardCharsets.UTF_8));
            line.release();
        }
        assertFalse(channel.finish());
        return reply.toString();
    }

    private static BrokerStats stats(Duration uptime) {
        return new BrokerStats(uptime, 0, 0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void uptimeIsDaysHoursMinutesSeconds() {
        Duration uptime = Duration.ofDays(12).plusHours(23).plusMinutes(59).plusSeconds(58).plusMillis(999);
        assertTrue(infoReply(stats(uptime)).startsWith("uptime: 12d 23h 59m 58s\n"));
        assertTrue(infoReply(stats(Duration.ZERO)).startsWith("uptime: 0d 0h 0m 0s\n"));
    }

    @Test
    void unknownOrUnlimitedOpenFilesPrintMinusOneLikeFanout() {
        assertTrue(infoReply(stats(Duration.ZERO)).contains("\nrlimits: Soft=-1 Hard=-1\n"));
    }

    @Test
    void readsOpenFilesFromProcLimits() {
        List<String> rows = List.of(
                "Limit                     Soft Limit           Hard Limit           Units     ",
                "Max processes             63340                63340                processes ",
                "Max open files            1024                 524288               files     ",
                "Max locked memory         8388608              8388608              bytes     ");
        assertEquals(new OpenFilesLimit(1024, 524288), OpenFilesLimit.parse(rows));
        assertEquals(new OpenFilesLimit(-1, -1),
                OpenFilesLimit.parse(List.of("Max open files            unlimited            unlimited            files")));
        assertEquals(OpenFilesLimit.UNKNOWN, OpenFilesLimit.parse(List.of()));
    }
}
