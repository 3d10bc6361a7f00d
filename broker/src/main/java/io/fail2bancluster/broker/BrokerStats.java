package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.ServerLine;
import java.time.Duration;
import java.util.List;

/**
 * A snapshot of the broker's counters: what {@code info} reports (same names, same meaning as
 * fanout's), plus what only this broker does, which only its metrics page shows ({@link BrokerPrometheusPage}).
 * Fields are read one after another, not atomically.
 *
 * @param uptime                time since the broker started
 * @param clientLimit           the configured limit, or the open-files limit when none was configured
 * @param rejectedConnections   connections answered {@code debug!busy}
 * @param openFilesSoft         soft RLIMIT_NOFILE, -1 when unknown or unlimited
 * @param openFilesHard         hard RLIMIT_NOFILE, -1 when unknown or unlimited
 * @param maxConnections        most connections open at once so far
 * @param currentConnections    connections open now (not counting rejected ones)
 * @param currentChannels       channels with at least one subscriber, {@code all} included
 * @param currentSubscriptions  (client, channel) pairs now, every client's {@code all} included
 * @param totalConnections      connections accepted so far
 * @param totalAnnouncements    announces that reached at least one subscriber
 * @param totalMessages         lines delivered to subscribers
 * @param totalSubscribes       subscriptions made, the automatic {@code all} included, duplicates not
 * @param totalUnsubscribes     subscriptions ended, by unsubscribe or by disconnecting
 * @param totalPings            pings answered
 * @param slowClientsClosed     slow consumers closed: clients that stayed behind for longer than the write deadline
 * @param announcerPauses       times an announcer was not read because the fan-out was behind (back-pressure)
 * @param pendingDeliveryBytes  what the lines now waiting for subscribers cost (see DeliveryBudget)
 * @param deliveryBudgetBytes   what they may cost before announcers are paused
 */
public record BrokerStats(Duration uptime, long clientLimit, long rejectedConnections, long openFilesSoft,
        long openFilesHard, int maxConnections, int currentConnections, int currentChannels,
        int currentSubscriptions, long totalConnections, long totalAnnouncements, long totalMessages,
        long totalSubscribes, long totalUnsubscribes, long totalPings, long slowClientsClosed, long announcerPauses,
        long pendingDeliveryBytes, long deliveryBudgetBytes) {

    /** Subscriptions beyond every client's automatic {@code all}, as fanout computes it. */
    public int userRequestedSubscriptions() {
        return currentSubscriptions - currentConnections;
    }

    /**
     * The {@code info} reply: the reference server's keys, exactly those and in its order, so that a script
     * written against fanout's {@code info} reads ours unchanged. This broker's own counters are not in it.
     */
    public List<ServerLine.InfoLine> infoLines() {
        long seconds = uptime.toSeconds();
        return List.of(
                info("uptime", seconds / 86400 + "d " + seconds / 3600 % 24 + "h " + seconds / 60 % 60 + "m "
                        + seconds % 60 + "s"),
                info("client-limit", clientLimit),
                info("limit rejected connections", rejectedConnections),
                info("rlimits", "Soft=" + openFilesSoft + " Hard=" + openFilesHard),
                info("max connections", maxConnections),
                info("current connections", currentConnections),
                info("current channels", currentChannels),
                info("current subscriptions", currentSubscriptions),
                info("user-requested subscriptions", userRequestedSubscriptions()),
                info("total connections", totalConnections),
                info("total announcements", totalAnnouncements),
                info("total messages", totalMessages),
                info("total subscribes", totalSubscribes),
                info("total unsubscribes", totalUnsubscribes),
                info("total pings", totalPings));
    }

    private static ServerLine.InfoLine info(String key, Object value) {
        return new ServerLine.InfoLine(key, String.valueOf(value));
    }
}
