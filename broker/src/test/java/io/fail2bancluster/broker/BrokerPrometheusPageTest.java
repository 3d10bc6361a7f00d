package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerPrometheusPageTest {

    @Test
    void everyCounterOfInfoIsASampleWithItsFamily() {
        BrokerStats stats = new BrokerStats(Duration.ofSeconds(3661), 100, 2, 1024, 4096, 7, 5, 3, 9, 40, 1000, 250_000,
                60, 51, 12, 1, 4, 8192, 16L << 20);
        String page = BrokerPrometheusPage.render(stats, "0.1.0");
        List<String> lines = page.lines().toList();
        assertTrue(lines.contains("fail2ban_cluster_broker_info{version=\"0.1.0\"} 1"), page);
        for (String sample : List.of("uptime_seconds 3661", "connections 5", "connections_max 7", "client_limit 100",
                "connections_total 40", "connections_rejected_total 2", "channels 3", "subscriptions 9",
                "announcements_total 1000", "deliveries_total 250000", "subscribes_total 60", "unsubscribes_total 51",
                "pings_total 12", "slow_consumers_closed_total 1", "announcer_pauses_total 4",
                "pending_delivery_bytes 8192", "delivery_budget_bytes 16777216")) {
            String name = sample.substring(0, sample.indexOf(' '));
            assertTrue(lines.contains("fail2ban_cluster_broker_" + sample), sample + " in\n" + page);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("# TYPE fail2ban_cluster_broker_" + name + " ")), name);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("# HELP fail2ban_cluster_broker_" + name + " ")), name);
        }
        assertEquals(1 + 17, lines.stream().filter(l -> l.startsWith("# TYPE ")).count(), page);
    }
}
