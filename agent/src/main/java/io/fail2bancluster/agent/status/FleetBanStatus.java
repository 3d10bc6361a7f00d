package io.fail2bancluster.agent.status;

/**
 * What {@code status} and the metrics page show of the fleet's count of {@code action=attempt} reports
 * (channels with {@code fleet_ban}).
 *
 * @param tracked  (jail, address) pairs being counted now
 * @param attempts reports counted since start
 * @param bans     fleet bans this agent decided and handed to the channel's action since start
 * @param evicted  pairs forgotten before their findtime ended because {@code max_tracked} were counted
 */
public record FleetBanStatus(int tracked, long attempts, long bans, long evicted) {
}
