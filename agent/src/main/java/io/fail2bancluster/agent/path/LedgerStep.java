package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.ledger.Ban;
import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.agent.ledger.LedgerFullException;
import io.fail2bancluster.agent.ledger.LedgerKey;
import io.fail2bancluster.agent.ledger.Verdict;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.LogThrottle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The message path's one use of the ledger, for every transport, between the dedupe and the action: a ban is
 * {@code admit}ted and runs only when the ledger says {@link Verdict#RUN} (a ban announced again that ran here
 * already, has ended or was unbanned runs nothing), and is {@code applied} once its action succeeded (a failed
 * one stays pending and is retried while the ledger holds it so: until it ends or is unbanned); an unban is a {@code revoke}, and its action runs when the
 * ban ran here (or the ledger never knew it: the safe direction), then {@code unbanned}. When an unban came
 * while the ban's action was still running, the unban runs once the ban's action succeeded. Messages that are
 * not bans or unbans, and every message when the agent keeps no ledger, go straight to the action.
 * One per server, on the agent's event loop.
 */
final class LedgerStep {
    private static final Logger LOG = LogManager.getLogger(LedgerStep.class);
    /** The origin of a ban whose message names no {@code source}. */
    static final String UNKNOWN_ORIGIN = "-";

    private final ServerState state;
    private final Ledger ledger;
    private final ActionDispatcher exec;
    private final Clock clock;
    private final LogThrottle full = new LogThrottle();
    /** The last start given to a first announce: each later one is at least a millisecond later. */
    private Instant lastArrival = Instant.EPOCH;

    /** The link's fanout catch-up, or null. */
    private final Supplier<CatchUpListener> catchUp;

    /**
     * @param ledger  null when the agent keeps none: every message goes to the action as it is
     * @param catchUp the link's catch-up now (null when none): told of bans announced again, and which ran
     */
    LedgerStep(ServerState state, Ledger ledger, ActionDispatcher exec, Clock clock, Supplier<CatchUpListener> catchUp) {
        this.catchUp = catchUp;
        this.state = state;
        this.ledger = ledger;
        this.exec = exec;
        this.clock = clock;
    }

    /**
     * A ban or unban on {@code route} as the ledger reads it; empty when it is neither, or the agent keeps no
     * ledger. A ban without {@code bantime} lasts the channel's {@code bantime} on an {@code enforce: nftables}
     * route (what the kernel element gets), else fail2ban's default.
     */
    Optional<BanMessage> read(Route route, Message message, Instant entered) {
        if (ledger == null) {
            return Optional.empty();
        }
        Instant arrived = entered;
        if (arrived == null) {
            // two bans of one key arriving within a millisecond are still two: the later one is newer
            Instant now = clock.instant();
            arrived = now.isAfter(lastArrival) ? now : lastArrival.plusMillis(1);
            lastArrival = arrived;
        }
        return BanMessage.of(route.channel(), message, arrived, UNKNOWN_ORIGIN, route.enforced() != null
                ? route.enforced().bantime() : BanMessage.DEFAULT_BANTIME.toSeconds());
    }

    /** The message's action, when the ledger says it is to run. */
    void dispatch(Route route, Message message, Optional<BanMessage> read, long nowNanos, Runnable settled) {
        dispatch(route, message, read, null, nowNanos, settled);
    }

    /** @param entered when the message entered the bus, null: now (what a kernel ban's {@code bantime} counts from) */
    void dispatch(Route route, Message message, Optional<BanMessage> read, Instant entered, long nowNanos,
                  Runnable settled) {
        if (read.isEmpty()) {
            exec.dispatch(route, message, entered, nowNanos, settled, null, ActionDispatcher.ALWAYS);
            return;
        }
        BanMessage parsed = read.get();
        CatchUpListener listener = catchUp.get();
        if (parsed.isReannounce() && listener != null) {
            listener.reannounced(route.channel(), parsed);
        }
        if (parsed.ban() != null) {
            ban(route, message, parsed, entered, nowNanos, settled);
        } else {
            unban(route, message, parsed, entered, nowNanos, settled);
        }
    }

    private void ban(Route route, Message message, BanMessage parsed, Instant entered, long nowNanos,
                     Runnable settled) {
        Ban ban = aligned(parsed.ban());
        Verdict verdict;
        try {
            verdict = ledger.admit(ban);
        } catch (LedgerFullException e) {
            warnFull(e, nowNanos);
            exec.dispatch(route, message, entered, nowNanos, settled, null, ActionDispatcher.ALWAYS); // not remembered, still run
            return;
        }
        if (!verdict.runs()) {
            state.increment(Counter.DEDUPLICATED);
            LOG.debug("{} {}: not running {}: {}", state.address(), route.channel(), Wire.quote(message.raw()),
                    verdict.name().toLowerCase(java.util.Locale.ROOT));
            settled.run();
            return;
        }
        exec.dispatch(route, message, entered, nowNanos, settled, result -> {
            applied(route, ban, nowNanos);
            CatchUpListener listener = catchUp.get();
            if (parsed.isReannounce() && listener != null) {
                listener.recovered(route.channel());
            }
        }, pending(ban));
    }

    /** A ban's retry is due while the ledger holds it in force and not yet applied: not ended, nor unbanned. */
    private BooleanSupplier pending(Ban ban) {
        return () -> ledger.get(ban.key())
                .filter(e -> e.state() == LedgerEntry.State.PENDING && e.start().equals(ban.start())).isPresent();
    }

    /** An unban's retry is due while the ledger holds the ban as unbanned: not banned again since, nor ended. */
    private BooleanSupplier revoked(LedgerKey key) {
        return () -> ledger.get(key).filter(e -> !e.state().inForce()).isPresent();
    }

    /**
     * Runs again an action the ledger holds as not yet succeeded (after a restart): the ban of a {@code PENDING}
     * entry, the unban of an {@code UNBAN_PENDING} one, from what the ledger kept of it. Returns whether it
     * runs; nothing is settled (no transport delivered it).
     */
    boolean resume(Route route, LedgerEntry entry, long nowNanos) {
        if (ledger == null || !entry.state().awaitsAction()) {
            return false;
        }
        boolean ban = entry.state() == LedgerEntry.State.PENDING;
        long left = entry.end().map(end -> Math.max(1, Duration.between(clock.instant(), end).toSeconds())).orElse(-1L);
        Message message = rebuilt(entry.key(), ban ? BanMessage.BAN : BanMessage.UNBAN, entry.origin(),
                ban ? ", " + BanMessage.BANTIME + "=" + left : "");
        LOG.info("{} {}: {} did not succeed before the agent stopped: run again", state.address(), route.channel(),
                ActionDispatcher.what(message));
        if (ban) {
            Ban pending = new Ban(entry.key(), entry.origin(), entry.start(), entry.end());
            exec.dispatch(route, message, null, nowNanos, () -> {
            }, result -> applied(route, pending, nowNanos), pending(pending));
        } else {
            exec.dispatch(route, message, null, nowNanos, () -> {
            }, result -> ledger.unbanned(entry.key()), revoked(entry.key()));
        }
        return true;
    }

    private void applied(Route route, Ban ban, long nowNanos) {
        LedgerEntry.State now;
        try {
            now = ledger.applied(ban);
        } catch (LedgerFullException e) {
            warnFull(e, nowNanos);
            return;
        }
        if (now == LedgerEntry.State.UNBAN_PENDING) {
            // unbanned while its action ran: the unban is due now
            Message unban = rebuilt(ban.key(), BanMessage.UNBAN, ban.origin(), "");
            exec.dispatch(route, unban, null, nowNanos, () -> {
            }, result -> ledger.unbanned(ban.key()), revoked(ban.key()));
        }
    }

    /** A ban or unban message of what the ledger keeps of it, as fail2ban's action writes one; {@code more} appended. */
    private static Message rebuilt(LedgerKey key, String action, String origin, String more) {
        return Message.parse(BanMessage.JAIL + "=" + key.jail() + ", " + BanMessage.ACTION + "=" + action + ", "
                + BanMessage.IP + "=" + key.address().canonical() + ", " + BanMessage.SOURCE + "=" + origin + more);
    }

    private void unban(Route route, Message message, BanMessage parsed, Instant entered, long nowNanos,
                       Runnable settled) {
        boolean known = ledger.get(parsed.key()).isPresent();
        LedgerEntry revocation;
        try {
            revocation = ledger.revoke(parsed.unban(), false);
        } catch (LedgerFullException e) {
            warnFull(e, nowNanos);
            exec.dispatch(route, message, entered, nowNanos, settled, null, ActionDispatcher.ALWAYS);
            return;
        }
        // a first unban of a ban the ledger never knew still runs (it may predate the ledger); a repeated
        // one, or one announced again, runs only when the ban ran here
        boolean due = revocation.state() == LedgerEntry.State.UNBAN_PENDING || !known && !parsed.isReannounce();
        if (!due) {
            state.increment(Counter.DEDUPLICATED);
            LOG.debug("{} {}: not running {}: the ban did not run here", state.address(), route.channel(),
                    Wire.quote(message.raw()));
            settled.run();
            return;
        }
        exec.dispatch(route, message, entered, nowNanos, settled, result -> ledger.unbanned(parsed.key()),
                revoked(parsed.key()));
    }

    /**
     * A ban of a key the ledger holds in force is that ban, however its start was stamped: a host stamps a ban
     * as it reaches it, a re-announce carries its origin's start, and an outbox may deliver a ban made during
     * an outage minutes after the fleet announced it again. So it takes the held start, and the ledger then
     * says it ran (or is pending) here. A ban of a key held revoked keeps its own start: later than the unban
     * it is a new ban, earlier it is the unbanned one.
     */
    private Ban aligned(Ban ban) {
        Optional<LedgerEntry> held = ledger.get(ban.key());
        if (held.isEmpty() || !held.get().state().inForce() || held.get().start().equals(ban.start())) {
            return ban;
        }
        Instant start = held.get().start();
        Optional<Instant> end = ban.end().map(e -> e.isBefore(start) ? start : e);
        return new Ban(ban.key(), ban.origin(), start, end);
    }

    private void warnFull(LedgerFullException e, long nowNanos) {
        long count = full.record(nowNanos);
        if (count > 0) {
            LOG.warn("{}: {} ({} such ban(s) since the last warning)", state.address(), e.getMessage(), count);
        }
    }

    /** An exit status of 0, alone or for a batched run. */
    static boolean exitedZero(ActionResult result) {
        ActionResult run = result instanceof ActionResult.Batched batched ? batched.run() : result;
        return run instanceof ActionResult.Exited exited && exited.status() == 0;
    }
}
