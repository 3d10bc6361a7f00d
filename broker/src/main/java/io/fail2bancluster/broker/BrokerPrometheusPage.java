package io.fail2bancluster.broker;

import io.fail2bancluster.metrics.PrometheusText;

/**
 * The broker's {@link BrokerStats} in Prometheus' text exposition format (version 0.0.4): the same
 * counters fanout's {@code info} answers with, so a scrape and an {@code info} agree. Pure: text in, text out.
 */
final class BrokerPrometheusPage {
    private static final String PREFIX = "fail2ban_cluster_broker_";

    private BrokerPrometheusPage() {
    }

    static String render(BrokerStats stats, String version) {
        StringBuilder out = new StringBuilder(2048);
        family(out, "info", "gauge", "The running fail2ban-cluster-broker version (always 1).");
        out.append(PREFIX).append("info{version=\"").append(PrometheusText.escape(version)).append("\"} 1\n");
        gauge(out, "uptime_seconds", "Seconds since the broker started.", stats.uptime().toSeconds());
        gauge(out, "connections", "Clients connected now.", stats.currentConnections());
        gauge(out, "connections_max", "The most clients connected at once since the start.", stats.maxConnections());
        gauge(out, "client_limit", "Clients admitted at once (--client-limit; 0 = no limit).", stats.clientLimit());
        counter(out, "connections_total", "Clients admitted since the start.", stats.totalConnections());
        counter(out, "connections_rejected_total", "Clients refused at the client limit (debug!busy).",
                stats.rejectedConnections());
        gauge(out, "channels", "Channels with at least one subscriber, all included.", stats.currentChannels());
        gauge(out, "subscriptions", "Subscriptions now, every client's automatic all included.",
                stats.currentSubscriptions());
        counter(out, "announcements_total", "announce commands received.", stats.totalAnnouncements());
        counter(out, "deliveries_total", "Lines delivered to subscribers (fanout's total messages).",
                stats.totalMessages());
        counter(out, "subscribes_total", "Subscriptions made, the automatic all included.", stats.totalSubscribes());
        counter(out, "unsubscribes_total", "Subscriptions ended, by unsubscribe or by disconnecting.",
                stats.totalUnsubscribes());
        counter(out, "pings_total", "ping commands answered.", stats.totalPings());
        counter(out, "slow_consumers_closed_total",
                "Subscribers closed for staying behind longer than the write deadline.", stats.slowClientsClosed());
        counter(out, "announcer_pauses_total",
                "Times the broker stopped reading the announcing clients until subscribers caught up.",
                stats.announcerPauses());
        gauge(out, "pending_delivery_bytes", "Bytes of lines waiting for subscribers now.", stats.pendingDeliveryBytes());
        gauge(out, "delivery_budget_bytes", "The most bytes lines may take waiting for subscribers (--delivery-budget).",
                stats.deliveryBudgetBytes());
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        family(out, name, "gauge", help);
        out.append(PREFIX).append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        family(out, name, "counter", help);
        out.append(PREFIX).append(name).append(' ').append(value).append('\n');
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        PrometheusText.family(out, PREFIX + name, type, help);
    }
}
