package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerStatsTest {

    private static BrokerStats stats(Duration uptime) {
        return new BrokerStats(uptime, 0, 0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void uptimeIsDaysHoursMinutesSeconds() {
        Duration uptime = Duration.ofDays(12).plusHours(23).plusMinutes(59).plusSeconds(58).plusMillis(999);
        assertTrue(stats(uptime).infoReply().startsWith("uptime: 12d 23h 59m 58s\n"));
        assertTrue(stats(Duration.ZERO).infoReply().startsWith("uptime: 0d 0h 0m 0s\n"));
    }

    @Test
    void unknownOrUnlimitedOpenFilesPrintMinusOneLikeFanout() {
        assertTrue(stats(Duration.ZERO).infoReply().contains("\nrlimits: Soft=-1 Hard=-1\n"));
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
