package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.FleetBanStatus;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.FleetBanConfig;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.MessageSignature;
import io.fail2bancluster.protocol.Wire;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The message path's step between dedupe and the dispatcher for {@code action=attempt} reports: counts
 * each (jail, address)'s reported failures on a channel with {@code fleet_ban}, per source, in a window of
 * {@code findtime} that slides with the reports; when {@code attempts} failures from at least {@code hosts}
 * sources are in it, it turns the deciding report into the fleet ban ({@code action=banip},
 * {@code bantime}, {@code failures} the count) for the dispatcher, once, and counts that address afresh.
 * An attempt itself never reaches the dispatcher.
 *
 * <p>One per agent, shared by every link's {@link MessagePath} like the {@link Deduplicator} ahead of it:
 * a report that came through two servers is counted once, whatever carried it. Each agent decides alone;
 * a report's time is when it entered the bus when the transport says (a NATS stream's storage time, the
 * same on every agent), else when it arrived. A ban whose {@code bantime} has passed by the time it is
 * decided (a stream's catch-up of an old attack) is not run.
 *
 * <p>Bounded: at most {@code max_tracked} addresses per channel, the least recently reported forgotten
 * first (counted as evictions), and per source only the newest reports whose failures reach
 * {@code attempts}, which decides the same as keeping them all. Not thread-safe: it lives on the loop.
 */
public final class FleetCounter {
    private static final Logger LOG = LogManager.getLogger(FleetCounter.class);
    static final String ACTION = "action";
    static final String FAILURES = "failures";
    static final String BANTIME = "bantime";

    private final Map<String, Tracker> byChannel = new HashMap<>();
    private long attempts;
    private long bans;
    private long evicted;
    private boolean inUse;

    /** Whether {@code message} is a report to count rather than something to run. */
    static boolean isAttempt(Message message) {
        return FleetBanConfig.ATTEMPT.equals(message.get(ACTION));
    }

    /** Told by each path of its routes: status shows the count once any channel has {@code fleet_ban}. */
    void routes(ChannelRoutes routes) {
        for (Route route : routes.routes().values()) {
            inUse |= route.fleetBan() != null;
        }
    }

    /**
     * Counts one attempt that passed the filter and dedupe on {@code route}'s channel.
     *
     * @param at    the report's time (see the class comment)
     * @param now   the agent's wall clock, which an old decision's bantime is judged by
     * @return the fleet ban to hand to the dispatcher, or null when there is nothing to run (counted, or
     *         stopped here and counted in {@code state})
     */
    Message count(ServerState state, Route route, Message attempt, Instant at, Instant now) {
        FleetBanConfig config = route.fleetBan();
        if (config == null) {
            state.increment(Counter.FILTERED_OUT);
            LOG.debug("{} {}: filtered out {} (the channel has no fleet_ban to count attempts)", state.address(),
                    route.channel(), Wire.quote(attempt.raw()));
            return null;
        }
        String jail = attempt.get("jail");
        String ip = attempt.get(Route.IP);
        String source = attempt.get("source");
        int failures = failures(attempt.get(FAILURES), config.attempts());
        if (jail == null || ip == null || source == null || failures < 1) {
            state.increment(Counter.REJECTED);
            LOG.debug("{} {}: rejected {}: an attempt needs jail, ip, source and failures from 1 up",
                    state.address(), route.channel(), Wire.quote(attempt.raw()));
            return null;
        }
        attempts++;
        Tracker tracker = byChannel.computeIfAbsent(route.channel(), c -> new Tracker());
        long millis = at.toEpochMilli();
        long windowStart = millis - config.findtime().toMillis();
        tracker.expire(windowStart);
        String key = jail + '\0' + ip;
        Tracked tracked = tracker.addresses.get(key);
        if (tracked == null) {
            tracked = new Tracked();
            tracker.addresses.put(key, tracked);
            while (tracker.addresses.size() > config.maxTracked()) {
                Iterator<Tracked> eldest = tracker.addresses.values().iterator();
                eldest.next();
                eldest.remove();
                evicted++;
            }
        }
        tracked.add(source, millis, failures, windowStart, config.attempts());
        if (tracked.total < config.attempts() || tracked.bySource.size() < config.hosts()) {
            return null;
        }
        tracker.addresses.remove(key);
        long total = tracked.total;
        int hosts = tracked.bySource.size();
        if (!at.plus(config.bantime()).isAfter(now)) {
            LOG.info("{} {}: not running the fleet ban of {} decided at {}: its bantime has passed", state.address(),
                    route.channel(), ip, at);
            return null;
        }
        bans++;
        LOG.info("{} {}: fleet ban of {} in jail {}: {} failures from {} hosts within {} s", state.address(),
                route.channel(), ip, jail, total, hosts, config.findtime().toSeconds());
        return ban(attempt, total, config);
    }

    /** The deciding report as a ban: the same pairs with action=banip, the fleet's count and bantime, unsigned. */
    private static Message ban(Message attempt, long total, FleetBanConfig config) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> pair : attempt.pairs()) {
            String key = pair.getKey();
            String value = switch (key) {
                case ACTION -> FleetBanConfig.BAN;
                case FAILURES -> Long.toString(total);
                case BANTIME, MessageSignature.SIG, MessageSignature.NONCE, MessageSignature.TS -> null;
                default -> pair.getValue();
            };
            if (value != null) {
                text.append(text.isEmpty() ? "" : ", ").append(key).append('=').append(value);
            }
        }
        return Message.parse(text.append(", ").append(BANTIME).append('=').append(config.bantime().toSeconds())
                .toString());
    }

    /** {@code failures=N}: 1 when absent, capped at {@code attempts}; 0 when not a number from 1 up. */
    private static int failures(String value, int cap) {
        if (value == null) {
            return 1;
        }
        if (value.isEmpty() || value.length() > 9 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 0;
        }
        return Math.min(Integer.parseInt(value), cap);
    }

    /** Null when no channel has {@code fleet_ban}. On the loop. */
    public FleetBanStatus status() {
        if (!inUse) {
            return null;
        }
        int tracked = 0;
        for (Tracker tracker : byChannel.values()) {
            tracked += tracker.addresses.size();
        }
        return new FleetBanStatus(tracked, attempts, bans, evicted);
    }

    /** One channel's addresses, least recently reported first. */
    private static final class Tracker {
        final LinkedHashMap<String, Tracked> addresses = new LinkedHashMap<>(16, 0.75f, true);

        /** Forgets the addresses with no report in the window: the head is always the least recent. */
        void expire(long windowStart) {
            Iterator<Tracked> oldestFirst = addresses.values().iterator();
            while (oldestFirst.hasNext() && oldestFirst.next().lastMillis <= windowStart) {
                oldestFirst.remove();
            }
        }
    }

    /** One (jail, address): each source's reports in the window, oldest first, as {time, failures}. */
    private static final class Tracked {
        final Map<String, ArrayDeque<long[]>> bySource = new HashMap<>(4);
        long total;
        long lastMillis;

        void add(String source, long millis, int failures, long windowStart, int attempts) {
            Iterator<ArrayDeque<long[]>> sources = bySource.values().iterator();
            while (sources.hasNext()) {
                ArrayDeque<long[]> reports = sources.next();
                while (!reports.isEmpty() && reports.peekFirst()[0] <= windowStart) {
                    total -= reports.pollFirst()[1];
                }
                if (reports.isEmpty()) {
                    sources.remove();
                }
            }
            ArrayDeque<long[]> mine = bySource.computeIfAbsent(source, s -> new ArrayDeque<>(2));
            mine.addLast(new long[] {millis, failures});
            total += failures;
            long own = 0;
            for (long[] report : mine) {
                own += report[1];
            }
            // the oldest go first, and while the rest still reach attempts they decide the same
            while (own - mine.peekFirst()[1] >= attempts) {
                long dropped = mine.pollFirst()[1];
                own -= dropped;
                total -= dropped;
            }
            lastMillis = Math.max(lastMillis, millis);
        }
    }
}
