package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IgnoredSignalsTest {

    @Test
    void readsTheHandledSignalsOutOfASigIgnMask() {
        // what /proc/PID/status showed for an agent started under nohup (SIGHUP and SIGPIPE's neighbour 32)
        assertEquals(List.of("HUP"), IgnoredSignals.among(0x0000000080000001L));
        assertEquals(List.of("HUP", "INT", "TERM"), IgnoredSignals.among(0x4003L));
        assertEquals(List.of("INT"), IgnoredSignals.among(0x2L | 0x1000L));
        assertEquals(List.of(), IgnoredSignals.among(0x8000000000000000L));
    }

    @Test
    void theWarningNamesWhatStopsWorkingAndWhatToUseInstead() {
        String hup = IgnoredSignals.consequence("HUP");
        assertTrue(hup.contains("SIGHUP is ignored") && hup.contains("fail2ban-clusterd reload"), hup);
        String term = IgnoredSignals.consequence("TERM");
        assertTrue(term.contains("SIGTERM is ignored") && term.contains("fail2ban-clusterd stop"), term);
    }

    @Test
    void envCanResetTheSignalsOnThisHost() {
        // Debian 12's coreutils 9.1 has --default-signal; the child of start depends on it
        assertEquals(List.of("env", "--default-signal=HUP,INT,TERM"), IgnoredSignals.resetCommand());
    }
}
