package io.fail2bancluster.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A channel on one server: what runs when a message passes its filter.
 *
 * @param path             where it stands in the file, e.g. {@code servers[0].channels[1]}
 * @param name             the fanout channel (no '!', space, CR, LF)
 * @param action           the command, split into argv at load time; empty for a publish-only channel
 * @param filters          every entry must pass; an empty list passes every message
 * @param skipOwn          messages whose {@code source} is this agent's {@link ClusterConfig#hostname()} are
 *                         filtered out: the publishing host has banned the address already
 * @param secrets          keys a message on this channel may be signed with; empty for an unsigned channel
 * @param requireSignature whether an unsigned message is refused (always false without secrets)
 * @param ignoreIp         a message whose {@code ip} is inside one of these is never acted on
 * @param batch            how many waiting actions that differ only in their last argument run as one
 *                         command (1: each alone; see {@link #MAX_BATCH})
 * @param fleetBan         counting the fleet's {@code action=attempt} reports into bans; empty: attempts are dropped
 * @param enforce          {@code enforce: nftables}: bans go into the agent's own nftables sets instead of an
 *                         action (the two are exclusive); empty for a channel with an action or none
 * @param bantime          with {@code enforce}, the seconds a ban lasts when its message carries no
 *                         {@code bantime} ({@link #PERMANENT} = until unbanned); default {@link #DEFAULT_BANTIME}
 * @param successExit      the {@code success_exit} key: exit statuses that count as success besides 0 (such as
 *                         a tool's "already banned"); any other status is a failure, retried (docs/retries.md)
 */
public record ChannelConfig(
        String path,
        String name,
        Optional<ActionTemplate> action,
        List<FilterEntry> filters,
        boolean skipOwn,
        List<SigningKey> secrets,
        boolean requireSignature,
        List<AddressRange> ignoreIp,
        int batch,
        Optional<FleetBanConfig> fleetBan,
        Optional<Enforce> enforce,
        long bantime,
        Set<Integer> successExit) {

    /** Where a channel's bans go instead of an action. */
    public enum Enforce {
        /** into the sets of the table the agent owns ({@link NftablesConfig}) */
        NFTABLES;

        /** How the config file writes it. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** fail2ban's own default bantime. */
    public static final long DEFAULT_BANTIME = 600;
    /** A bantime of -1: the ban lasts until it is unbanned, as in fail2ban. */
    public static final long PERMANENT = -1;

    /** The most last arguments one command carries: a few dozen KiB of argv, far below the kernel's limit. */
    public static final int MAX_BATCH = 1000;

    public ChannelConfig {
        filters = List.copyOf(filters);
        secrets = List.copyOf(secrets);
        ignoreIp = List.copyOf(ignoreIp);
        requireSignature = requireSignature && !secrets.isEmpty();
        if (batch < 1 || batch > MAX_BATCH) {
            throw new IllegalArgumentException("batch must be from 1 to " + MAX_BATCH + ", got " + batch);
        }
        java.util.Objects.requireNonNull(fleetBan, "fleetBan");
        if (enforce.isPresent() && action.isPresent()) {
            throw new IllegalArgumentException("a channel has either an action or enforce, not both");
        }
        if (bantime != PERMANENT && bantime < 1) {
            throw new IllegalArgumentException("bantime must be -1 (permanent) or at least 1 s, got " + bantime);
        }
        successExit = Set.copyOf(successExit);
        for (int status : successExit) {
            if (status < 0 || status > 255) {
                throw new IllegalArgumentException("an exit status is from 0 to 255, got " + status);
            }
        }
    }

    /** A channel without {@code fleet_ban} or {@code enforce}, where only exit status 0 is a success. */
    public ChannelConfig(String path, String name, Optional<ActionTemplate> action, List<FilterEntry> filters,
                         boolean skipOwn, List<SigningKey> secrets, boolean requireSignature,
                         List<AddressRange> ignoreIp, int batch) {
        this(path, name, action, filters, skipOwn, secrets, requireSignature, ignoreIp, batch, Optional.empty(),
                Optional.empty(), DEFAULT_BANTIME, Set.of());
    }

    /** Whether an action of this channel that exited with {@code status} succeeded. */
    public boolean succeeded(int status) {
        return status == 0 || successExit.contains(status);
    }

    /** Whether the agent acts on this channel's messages at all (an action or enforce), so subscribes to it. */
    public boolean acts() {
        return action.isPresent() || enforce.isPresent();
    }

    /**
     * What handles messages differently in {@code next}, this channel's reloaded self: any of
     * {@code filter}, {@code action}, {@code keys}, {@code ignore_ip}, {@code skip_own}, {@code batch},
     * {@code fleet_ban}, {@code enforce}, {@code bantime}, {@code success_exit}, in
     * that order; empty when nothing does. Where the file put them (the paths) does not count, and a filter's
     * pattern is compared by its text.
     */
    public List<String> changesIn(ChannelConfig next) {
        List<String> what = new ArrayList<>();
        if (!actingFilters().equals(next.actingFilters())) {
            what.add("filter");
        }
        if (!action.equals(next.action)) {
            what.add("action");
        }
        if (!secrets.equals(next.secrets) || requireSignature != next.requireSignature) {
            what.add("keys");
        }
        if (!ignoreIp.equals(next.ignoreIp)) {
            what.add("ignore_ip");
        }
        if (skipOwn != next.skipOwn) {
            what.add("skip_own");
        }
        if (batch != next.batch) {
            what.add("batch");
        }
        if (!fleetBan.map(FleetBanConfig::acting).equals(next.fleetBan.map(FleetBanConfig::acting))) {
            what.add("fleet_ban");
        }
        if (!enforce.equals(next.enforce)) {
            what.add("enforce");
        }
        if (bantime != next.bantime) {
            what.add("bantime");
        }
        if (!successExit.equals(next.successExit)) {
            what.add("success_exit");
        }
        return what;
    }

    /** The filter as it acts: key, values and pattern text of each entry. */
    private List<List<Object>> actingFilters() {
        return filters.stream()
                .map(f -> List.<Object>of(f.key(), f.values(), f.pattern().map(Pattern::pattern).orElse("")))
                .toList();
    }

    /** A channel whose actions each run alone. */
    public ChannelConfig(String path, String name, Optional<ActionTemplate> action, List<FilterEntry> filters,
                         boolean skipOwn, List<SigningKey> secrets, boolean requireSignature,
                         List<AddressRange> ignoreIp) {
        this(path, name, action, filters, skipOwn, secrets, requireSignature, ignoreIp, 1);
    }

    /** An unsigned channel without ignore_ip. */
    public ChannelConfig(String path, String name, Optional<ActionTemplate> action, List<FilterEntry> filters,
                         boolean skipOwn) {
        this(path, name, action, filters, skipOwn, List.of(), false, List.of());
    }

    /** A channel of the original kind: runs its own host's messages too (no {@code skip_own}), unsigned. */
    public ChannelConfig(String path, String name, Optional<ActionTemplate> action, List<FilterEntry> filters) {
        this(path, name, action, filters, false);
    }

    /**
     * The action's placeholders that no filter entry constrains, in order of use: {@code _msg} (always
     * unconstrained) and each {@code key} without an entry. {@code _channel} is the subscribed channel's
     * own name, so never counts.
     */
    public List<String> unconstrainedPlaceholders() {
        List<String> open = new ArrayList<>();
        for (String placeholder : action.map(ActionTemplate::placeholders).orElse(Set.of())) {
            if (placeholder.equals(ActionTemplate.CHANNEL)) {
                continue;
            }
            if (placeholder.equals(ActionTemplate.WHOLE_MESSAGE)
                    || filters.stream().noneMatch(f -> f.key().equals(placeholder))) {
                open.add(placeholder);
            }
        }
        return open;
    }
}
