package io.fail2bancluster.agent.catchup;

import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.agent.ledger.LedgerKey;
import io.fail2bancluster.agent.outbox.AnnounceSigner;
import io.fail2bancluster.agent.path.CatchUpListener;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.Message;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One fanout server's catch-up, both ways, on the agent's event loop. As a requester: once a connection is
 * greeted (and for each channel a reload adds) it announces a request per channel for what came since it last
 * held it, records until when it holds each channel as lines arrive, and logs what the fleet sent back. As an
 * answerer: a request opens a round per channel (requests that come before this host's own answers go out
 * join it, asking from the earliest {@code since}); this host announces its own bans again first, others' only
 * later and only those whose origin nobody announces again in this round (an origin's answers of an earlier round
 * say nothing: it may have gone down since); a change that came after the round's last request is not
 * announced (its requesters had it live). What it announces is written a chunk per loop turn while the
 * connection is writable, each ban checked again just before: one announced again since the request came is
 * skipped (its requesters have it), one announced again less than {@code RATE} before waits until then, and
 * the others' delay more (the rate limit, which no number of requests can raise; the origin still goes first).
 */
public final class LinkCatchUp implements CatchUpListener {
    private static final Logger LOG = LogManager.getLogger(LinkCatchUp.class);
    /** Announces written per loop turn: a large answer leaves room for everything else. */
    static final int CHUNK = 256;
    /** Bans seen announced again that are remembered, for the rate limit: beyond, the oldest go. */
    static final int SEEN_MAX = 200_000;
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long HELD_EVERY_SECONDS = 5;

    private final FleetCatchUp fleet;
    private final String server;
    private final Supplier<ChannelRoutes> routes;
    /** The round of each channel still taking requests. */
    private final Map<String, AnswerRound> rounds = new HashMap<>();
    /** The last round of each channel, whose answers may still be queued: who covers which origin. */
    private final Map<String, AnswerRound> latest = new HashMap<>();
    private final ArrayDeque<Answer> queue = new ArrayDeque<>();
    /** When each ban was last announced again, by anyone (loop nanos). Access order: the eldest is the oldest. */
    private final LinkedHashMap<LedgerKey, Long> seen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<LedgerKey, Long> eldest) {
            return size() > SEEN_MAX;
        }
    };
    private ChannelHandlerContext live;
    /** The loop, once a connection was set up: its ticker is the time the rate limit is kept by. */
    private io.netty.util.concurrent.EventExecutor loop;
    private AnnounceSigner signer;
    private ScheduledFuture<?> holding;
    private ScheduledFuture<?> pumping;
    private long lastLineNanos;
    private Asked asked;

    /** One ban to announce again, not before {@code notBefore} (loop nanos). */
    private record Answer(AnswerRound round, LedgerEntry entry, boolean own, long notBefore) {
    }

    /** This host's own requests of the current connection, for the "caught up" line. */
    private static final class Asked {
        final long sinceNanos;
        long lastAnswerNanos;
        long lastRecoveredNanos;
        long recovered;

        Asked(long nowNanos) {
            sinceNanos = nowNanos;
            lastAnswerNanos = nowNanos;
        }
    }

    LinkCatchUp(FleetCatchUp fleet, String server, Supplier<ChannelRoutes> routes) {
        this.fleet = fleet;
        this.server = server;
        this.routes = routes;
    }

    /** A connection was greeted: it asks for each channel it subscribes to, and starts holding them. */
    public void connected(ChannelHandlerContext ctx) {
        live = ctx;
        loop = ctx.executor();
        lastLineNanos = nanos();
        signer = new AnnounceSigner(routes.get().keys(), fleet.clock, fleet.nonces);
        ask(routes.get().channels());
        holding = ctx.executor().scheduleWithFixedDelay(this::hold, HELD_EVERY_SECONDS, HELD_EVERY_SECONDS,
                TimeUnit.SECONDS);
    }

    /** A reload subscribed the live connection to {@code added}: it asks for those too. */
    public void subscribed(List<String> added) {
        if (live != null && !added.isEmpty()) {
            signer = new AnnounceSigner(routes.get().keys(), fleet.clock, fleet.nonces);
            ask(added);
        }
    }

    /** Any line arrived on the live connection: the channels are held until now. */
    public void lineSeen() {
        lastLineNanos = nanos();
    }

    /** The connection closed: the channels were held until its last line. */
    public void disconnected() {
        if (live == null) {
            return;
        }
        hold();
        live = null;
        holding.cancel(false);
        if (pumping != null) {
            pumping.cancel(false);
            pumping = null;
        }
        queue.clear();
        rounds.clear();
        latest.clear();
        asked = null;
    }

    /**
     * The channels are held until the last line, once the catch-up of this connection is over: a connection
     * that drops while answers are still coming asks again from where the last one asked, not from its last line.
     */
    private void hold() {
        if (asked != null) {
            return;
        }
        Instant until = fleet.clock.instant().minusNanos(Math.max(0, nanos() - lastLineNanos));
        routes.get().channels().forEach(channel -> fleet.held.record(server, channel, until));
    }

    private void ask(List<String> channels) {
        if (channels.isEmpty()) {
            return;
        }
        if (asked == null) {
            asked = new Asked(nanos());
            live.executor().schedule(this::caughtUp, 1, TimeUnit.SECONDS);
        }
        for (String channel : channels) {
            Instant since = fleet.held.get(server, channel).map(at -> at.minus(FleetCatchUp.MARGIN)).orElse(Instant.EPOCH);
            live.write(new Command.Announce(channel, signer.sign(channel, CatchUpWire.request(fleet.hostname, since))),
                    live.voidPromise());
            fleet.requestsSent++;
            LOG.info("{} {}: asked the fleet for what it missed since {}", server, channel,
                    since.equals(Instant.EPOCH) ? "ever (a fresh host)" : since);
        }
        live.flush();
    }

    private void caughtUp() {
        if (asked == null || live == null) {
            return;
        }
        long now = nanos();
        long waited = now - asked.sinceNanos;
        long minimum = FleetCatchUp.OTHERS_DELAY.plus(FleetCatchUp.OTHERS_SPREAD).toNanos() + QUIET_NANOS;
        if (waited < minimum || now - asked.lastAnswerNanos < QUIET_NANOS) {
            live.executor().schedule(this::caughtUp, 1, TimeUnit.SECONDS);
            return;
        }
        long took = asked.recovered == 0 ? 0 : asked.lastRecoveredNanos - asked.sinceNanos;
        LOG.info("{}: caught up {} bans from the fleet in {} s", server, asked.recovered,
                String.format(java.util.Locale.ROOT, "%.1f", took / 1e9));
        asked = null;
    }

    @Override
    public void requested(String channel, Message request) {
        String source = request.get(BanMessage.SOURCE);
        var since = CatchUpWire.since(request);
        if (live == null || source == null || fleet.hostname.equals(source) || since.isEmpty()
                || !routes.get().routes().containsKey(channel)) {
            return; // our own echo, a malformed request, or nothing to answer on
        }
        AnswerRound round = rounds.get(channel);
        if (round == null) {
            AnswerRound opened = new AnswerRound(channel, since.get(), nanos());
            rounds.put(channel, opened);
            latest.put(channel, opened);
            round = opened;
            schedule(() -> answer(opened, true), fleet.delays.nextLong(FleetCatchUp.ORIGIN_DELAY_MAX.toNanos()));
            schedule(() -> answer(opened, false), othersDelay());
        }
        round.join(source, since.get(), fleet.clock.instant());
    }

    @Override
    public void reannounced(String channel, BanMessage message) {
        long now = nanos();
        seen.put(message.key(), now);
        String origin = message.ban() != null ? message.ban().origin() : message.unban().origin();
        AnswerRound round = latest.get(channel);
        if (round != null && !fleet.hostname.equals(message.reannounced())) {
            round.covered.add(origin); // not by its own answers coming back: the rest of its queue is still its own
        }
        if (asked != null) {
            asked.lastAnswerNanos = now;
        }
    }

    @Override
    public void recovered(String channel) {
        fleet.recovered++;
        if (asked != null) {
            asked.recovered++;
            asked.lastRecoveredNanos = nanos();
        }
    }

    private void schedule(Runnable task, long delayNanos) {
        live.executor().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void answer(AnswerRound round, boolean own) {
        if (latest.get(round.channel) != round) {
            return; // the connection closed since
        }
        // requests join a round until its origin's answers go out: a later one opens a round of its own
        rounds.remove(round.channel, round);
        long now = nanos();
        for (LedgerEntry entry : fleet.ledger.since(round.channel, round.since)) {
            if (entry.changed().isAfter(round.asked)) {
                continue; // its requesters got it live
            }
            boolean mine = entry.origin().equals(fleet.hostname);
            // a requester has its own bans, unless it starts afresh: not sent back when it alone asked
            boolean askersOwn = round.requesters.size() == 1 && round.requesters.contains(entry.origin());
            if (mine == own && (round.fresh || !askersOwn)) {
                queue.add(new Answer(round, entry, own, now));
            }
        }
        LOG.debug("{} {}: answering {} for {} since {}: {} queued", server, round.channel, own ? "own bans" : "others'",
                round.requesters, round.since, queue.size());
        if (pumping == null) {
            pump();
        }
    }

    private void pump() {
        pumping = null;
        if (live == null) {
            return;
        }
        long now = nanos();
        long rate = FleetCatchUp.RATE.toNanos();
        Instant wall = fleet.clock.instant();
        List<Answer> deferred = new ArrayList<>();
        long retryAt = Long.MAX_VALUE;
        int written = 0;
        while (!queue.isEmpty() && written < CHUNK && live.channel().isWritable()) {
            Answer answer = queue.poll();
            LedgerEntry entry = answer.entry();
            Long last = seen.get(entry.key());
            if (last != null && last - answer.round().openedNanos >= 0
                    || !answer.own() && answer.round().covered.contains(entry.origin())) {
                LOG.debug("{}: skipped {} (seen {}, covered {})", server, entry.key(), last, answer.round().covered);
                continue; // announced again since the request came, so its requesters have it; or being covered
            }
            long notBefore = answer.notBefore();
            if (last != null && now - last < rate) {
                // the rate limit: once per ban per RATE, so this one a little later; and there too the origin
                // goes first, the others after their delay, so that they see its answer and skip theirs
                notBefore = last + rate + (answer.own() ? 0 : othersDelay());
            }
            if (notBefore - now > 0) {
                deferred.add(new Answer(answer.round(), entry, answer.own(), notBefore));
                retryAt = Math.min(retryAt, notBefore);
                continue;
            }
            seen.put(entry.key(), now);
            String channel = answer.round().channel;
            live.write(new Command.Announce(channel, signer.sign(channel, CatchUpWire.answer(entry, fleet.hostname,
                    wall))), live.voidPromise());
            fleet.reannounced++;
            if (!answer.round().answered) {
                answer.round().answered = true;
                fleet.requestsAnswered++;
            }
            written++;
        }
        if (written > 0) {
            live.flush();
        }
        if (!deferred.isEmpty()) {
            ChannelHandlerContext connection = live;
            live.executor().schedule(() -> {
                if (live != connection) {
                    return; // that connection closed: its rounds went with it
                }
                queue.addAll(deferred);
                if (pumping == null) {
                    pump();
                }
            }, Math.max(0, retryAt - now), TimeUnit.NANOSECONDS);
        }
        if (!queue.isEmpty()) {
            pumping = live.executor().schedule(this::pump, 10, TimeUnit.MILLISECONDS);
        }
    }

    /** How long a host waits before it answers for others' bans: their origin, if up, has answered by then. */
    private long othersDelay() {
        return FleetCatchUp.OTHERS_DELAY.toNanos() + fleet.delays.nextLong(FleetCatchUp.OTHERS_SPREAD.toNanos());
    }

    private long nanos() {
        return loop != null ? loop.ticker().nanoTime() : System.nanoTime();
    }
}
