package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.config.FleetBanConfig;
import io.fail2bancluster.protocol.Message;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one subscribed channel on one server does with a message: the filter it must pass and the
 * action it renders to. Built from a {@link ChannelConfig} that has an action; a channel without one
 * is publish-only and the agent does not subscribe to it.
 *
 * @param channel the fanout channel
 * @param filters every entry must accept the message; empty passes everything
 * @param action  renders the message into argv (normally {@link ActionTemplate#render})
 * @param label   how the action is shown in logs (the template text)
 * @param ownHost with {@code skip_own}, this host's name: a message whose {@code source} equals it was
 *                published here and is not run again; null runs every host's messages
 * @param ignoreIp a message whose {@code ip} is inside one of these is never acted on
 * @param dashGuarded the keys (and {@code _msg}) the action uses whose value must not start with {@code -}:
 *                every one without a filter pattern that could explicitly allow it
 * @param batch   the channel's {@code batch}, handed to the action runner with each invocation
 * @param fleetBan the channel's {@code fleet_ban}, which counts {@code action=attempt} reports; null: none
 * @param enforced with {@code enforce: nftables}, the channel's kernel enforcement (then {@code action} is never
 *                used); null for a channel with an action
 * @param successExit exit statuses that count as success besides 0 (the channel's {@code success_exit})
 */
public record Route(String channel, List<FilterEntry> filters, Renderer action, String label, String ownHost,
             List<AddressRange> ignoreIp, Set<String> dashGuarded, int batch, FleetBanConfig fleetBan,
             Enforced enforced, Set<Integer> successExit) {

    /** {@code enforce: nftables}: @param bantime seconds a ban without its own {@code bantime} lasts (-1: permanent) */
    public record Enforced(long bantime) {
    }

    /** A route that runs an action, without a {@code fleet_ban}, where only exit status 0 is a success. */
    public Route(String channel, List<FilterEntry> filters, Renderer action, String label, String ownHost,
                 List<AddressRange> ignoreIp, Set<String> dashGuarded, int batch) {
        this(channel, filters, action, label, ownHost, ignoreIp, dashGuarded, batch, null, null, Set.of());
    }

    /** The seam between a message and a command line; {@link ActionTemplate#render} in production. */
    @FunctionalInterface
    public interface Renderer {
        ActionTemplate.Rendered render(String channel, Message message);
    }

    /** The key whose value {@code ignore_ip} is checked against. */
    public static final String IP = "ip";

    public Route {
        Objects.requireNonNull(channel, "channel");
        filters = List.copyOf(filters);
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(label, "label");
        ignoreIp = List.copyOf(ignoreIp);
        dashGuarded = Set.copyOf(dashGuarded);
        successExit = Set.copyOf(successExit);
    }

    /** Whether an action that ended so succeeded: an exit status of 0 or one of {@code success_exit}. */
    public boolean succeeded(ActionResult result) {
        ActionResult run = result instanceof ActionResult.Batched batched ? batched.run() : result;
        return run instanceof ActionResult.Exited exited
                && (exited.status() == 0 || successExit.contains(exited.status()));
    }

    /** @param hostname this host's name, used only when the channel has {@code skip_own} */
    public static Route of(ChannelConfig channel, String hostname) {
        String ownHost = channel.skipOwn() ? Objects.requireNonNull(hostname, "hostname") : null;
        if (channel.enforce().isPresent()) {
            return new Route(channel.name(), channel.filters(), (c, m) -> {
                throw new IllegalStateException("an enforce: nftables channel renders no action");
            }, "enforce: nftables", ownHost, channel.ignoreIp(), Set.of(), 1, channel.fleetBan().orElse(null),
                    new Enforced(channel.bantime()), Set.of());
        }
        ActionTemplate template = channel.action().orElseThrow(() ->
                new IllegalArgumentException(channel.path() + ": channel " + channel.name() + " has no action"));
        Set<String> dashGuarded = new LinkedHashSet<>();
        for (String key : template.placeholders()) {
            boolean patterned = channel.filters().stream().anyMatch(f -> f.key().equals(key) && f.pattern().isPresent());
            if (!key.equals(ActionTemplate.CHANNEL) && !patterned) {
                dashGuarded.add(key);
            }
        }
        return new Route(channel.name(), channel.filters(), template::render, template.text(), ownHost,
                channel.ignoreIp(), dashGuarded, channel.batch(), channel.fleetBan().orElse(null), null,
                channel.successExit());
    }

    /** The {@code ignore_ip} entry the message's {@code ip} is inside, or null. */
    public AddressRange ignored(Message message) {
        String ip = message.get(IP);
        for (AddressRange range : ignoreIp) {
            if (range.contains(ip)) {
                return range;
            }
        }
        return null;
    }

    /**
     * The first key the action uses whose value starts with {@code -} without a pattern allowing it, or
     * null. Such a value would reach the program as an option ({@code -rf}, {@code --config=...}).
     */
    String dashedKey(Message message) {
        for (String key : dashGuarded) {
            String value = key.equals(ActionTemplate.WHOLE_MESSAGE) ? message.raw() : message.get(key);
            if (value != null && value.startsWith("-")) {
                return key;
            }
        }
        return null;
    }

    /**
     * Whether this host published the message itself (only with {@code skip_own}). Never for an attempt:
     * the fleet counts this host's reports as every other host does.
     */
    boolean isOwn(Message message) {
        return ownHost != null && ownHost.equals(message.get("source")) && !FleetCounter.isAttempt(message);
    }

    /** The seed's semantics: for every entry the message's value for its key is one of its values. */
    public boolean accepts(Message message) {
        for (FilterEntry entry : filters) {
            if (!entry.accepts(message.get(entry.key()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first entry that refuses the message, for the debug log; null when it passes. An attempt passes
     * the entries on {@code action}: it is counted, never run, and what it may become is a ban.
     */
    FilterEntry firstRefusal(Message message) {
        boolean attempt = FleetCounter.isAttempt(message);
        for (FilterEntry entry : filters) {
            if (attempt && entry.key().equals(FleetCounter.ACTION)) {
                continue;
            }
            if (!entry.accepts(message.get(entry.key()))) {
                return entry;
            }
        }
        return null;
    }
}
