package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A channel's {@code fleet_ban}: read with its defaults, refused with the file's line when it cannot work. */
class FleetBanConfigTest {
    private static String channel(String filterValues, String fleetBan) {
        return """
                servers:
                  - host: h
                    channels:
                      - name: Fail2ban
                        action: "fail2ban-client set %%jail%%-cluster %%action%% %%ip%%"
                        filter:
                          - key: action
                            values: %s
                          - key: jail
                            values: [sshd]
                          - key: ip
                            pattern: '[0-9.]+'
                        fleet_ban:
                %s""".formatted(filterValues, fleetBan.indent(10));
    }

    private static FleetBanConfig read(String yaml) {
        return ConfigLoader.parse(yaml, "test.yml").servers().get(0).channels().get(0).fleetBan().orElseThrow();
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yml")).getMessage();
    }

    @Test
    void readsEveryKeyAndDefaultsTheOptionalOnes() {
        FleetBanConfig full = read(channel("[banip, unbanip]",
                "attempts: 10\nhosts: 3\nfindtime: 300\nbantime: 7200\nmax_tracked: 5000"));
        assertEquals(new FleetBanConfig("servers[0].channels[0].fleet_ban", 10, 3, Duration.ofSeconds(300),
                Duration.ofSeconds(7200), 5000), full);
        FleetBanConfig defaults = read(channel("[banip, unbanip]", "attempts: 6\nhosts: 3"));
        assertEquals(Duration.ofMinutes(10), defaults.findtime());
        assertEquals(Duration.ofHours(1), defaults.bantime());
        assertEquals(FleetBanConfig.DEFAULT_MAX_TRACKED, defaults.maxTracked());
    }

    @Test
    void aChannelWithoutItHasNone() {
        ChannelConfig channel = ConfigLoader.parse("servers: [{host: h, channels: [{name: F, action: \"x\"}]}]",
                "test.yml").servers().get(0).channels().get(0);
        assertEquals(Optional.empty(), channel.fleetBan());
    }

    @Test
    void moreHostsThanAttemptsCanNeverBeMetAndIsRefusedAtItsLine() {
        assertEquals("test.yml: servers[0].channels[0].fleet_ban.hosts: must not be more than attempts (2): "
                + "each host reports at least one, line 15", error(channel("[banip]", "attempts: 2\nhosts: 3")));
    }

    @Test
    void attemptsAndHostsAreRequired() {
        assertTrue(error(channel("[banip]", "hosts: 3")).startsWith(
                "test.yml: servers[0].channels[0].fleet_ban.attempts: required key is missing"));
    }

    @Test
    void aFilterThatRefusesBanipWouldRefuseTheFleetBanItself() {
        assertEquals("test.yml: servers[0].channels[0].fleet_ban: the channel's filter servers[0].channels[0].filter[0] "
                + "refuses action=banip, the action a fleet ban runs with, line 13",
                error(channel("[unbanip]", "attempts: 6\nhosts: 3")));
    }

    @Test
    void aPublishOnlyChannelHasNothingToRun() {
        assertEquals("test.yml: servers[0].channels[0].fleet_ban: needs the channel's action or enforce: nftables: "
                + "a fleet ban runs as action=banip, line 5", error("""
                servers:
                  - host: h
                    channels:
                      - name: F
                        fleet_ban: {attempts: 6, hosts: 3}
                """));
    }

    @Test
    void bantimeIsWholeSecondsAndUnknownKeysAreNamed() {
        assertEquals("test.yml: servers[0].channels[0].fleet_ban.bantime: must be whole seconds, at least 1 "
                + "(fail2ban's bantime), line 16", error(channel("[banip]", "attempts: 6\nhosts: 3\nbantime: 0.5")));
        assertTrue(error(channel("[banip]", "attempts: 6\nhosts: 3\nfindtme: 60"))
                .contains("fleet_ban.findtme: unknown key, did you mean 'findtime'?"));
        assertTrue(error(channel("[banip]", "attempts: 6\nhosts: 3\nmax_tracked: 0"))
                .contains("fleet_ban.max_tracked: must be between 1 and 10000000, got 0"));
    }

    @Test
    void aReloadNamesAChangedFleetBan() {
        ChannelConfig before = ConfigLoader.parse(channel("[banip]", "attempts: 6\nhosts: 3"), "a.yml")
                .servers().get(0).channels().get(0);
        ChannelConfig after = ConfigLoader.parse(channel("[banip]", "attempts: 6\nhosts: 2"), "b.yml")
                .servers().get(0).channels().get(0);
        assertEquals(List.of("fleet_ban"), before.changesIn(after));
        assertEquals(List.of(), before.changesIn(before));
    }
}
