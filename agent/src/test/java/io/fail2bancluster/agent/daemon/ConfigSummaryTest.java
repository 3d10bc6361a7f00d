package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.ConfigLoader;
import org.junit.jupiter.api.Test;

class ConfigSummaryTest {
    @Test
    void checkShowsWhomATlsServerIsVerifiedAgainst() {
        String summary = ConfigSummary.describe(ConfigLoader.parse("""
                servers:
                  - host: 192.0.2.10
                    tls: true
                    server_name: fanout.example
                    channels:
                      - name: c
                  - host: plain.example
                    channels:
                      - name: c
                """, "summary.yml"));
        assertTrue(summary.contains("server 192.0.2.10:1986 (ping every 20 s, timeout 60 s,"
                + " TLS verifying fanout.example against the JDK trust store)\n"), summary);
        assertTrue(summary.contains("server plain.example:1986 (ping every 20 s, timeout 60 s)\n"), summary);
    }

    @Test
    void checkShowsWhereMetricsAreServedWhenTheyAre() {
        String minimal = "servers:\n  - host: h\n    channels:\n      - name: c\n";
        String summary = ConfigSummary.describe(ConfigLoader.parse(minimal + "metrics: 9100\n", "summary.yml"));
        assertTrue(summary.contains("\nmetrics on http://127.0.0.1:9100/metrics\n"), summary);
        assertFalse(ConfigSummary.describe(ConfigLoader.parse(minimal, "summary.yml")).contains("metrics"));
    }
}
