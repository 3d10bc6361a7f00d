package io.fail2bancluster.broker;

import java.time.Duration;

/**
 * A snapshot of the broker's counters: what {@code info} reports (same names, same meaning as
 * fanout's), plus what only this broker does. Fields are read one after another, not atomically.
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
     * The {@code info} reply, key for key and in the order of the reference server, each line ending
     * in {@code \n}. This broker's own keys come before {@code total pings}, so that a client reading up to
     * fanout's last key reads all of it.
     */
    public String infoReply() {
        long seconds = uptime.toSeconds();
        return "uptime: " + seconds / 86400 + "d " + seconds / 3600 % 24 + "h " + seconds / 60 % 60 + "m "
                + seconds % 60 + "s\n"
                + "client-limit: " + clientLimit + "\n"
                + "limit rejected connections: " + rejectedConnections + "\n"
                + "rlimits: Soft=" + openFilesSoft + " Hard=" + openFilesHard + "\n"
                + "max connections: " + maxConnections + "\n"
                + "current connections: " + currentConnections + "\n"
                + "current channels: " + currentChannels + "\n"
                + "current subscriptions: " + currentSubscriptions + "\n"
                + "user-requested subscriptions: " + userRequestedSubscriptions() + "\n"
                + "total connections: " + totalConnections + "\n"
                + "total announcements: " + totalAnnouncements + "\n"
                + "total messages: " + totalMessages + "\n"
                + "total subscribes: " + totalSubscribes + "\n"
                + "total unsubscribes: " + totalUnsubscribes + "\n"
                + "slow consumers closed: " + slowClientsClosed + "\n"
                + "announcer pauses: " + announcerPauses + "\n"
                + "pending delivery bytes: " + pendingDeliveryBytes + " of " + deliveryBudgetBytes + "\n"
                + "total pings: " + totalPings + "\n";
    }
}
