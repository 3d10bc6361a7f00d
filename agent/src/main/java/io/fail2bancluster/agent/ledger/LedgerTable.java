package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.agent.ledger.LedgerEntry.State;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The ledger's entries in memory and its rules: what a ban or unban that arrives makes of an entry. No files,
 * no clock, no locks: {@link Ledger} holds the one instance under its monitor, passes the time in (epoch
 * milliseconds), and hears of every change through {@code changes} to journal it.
 */
final class LedgerTable {
    /** A full ledger sweeps its expired entries at most this often before it refuses a key. */
    static final long FULL_SWEEP_MILLIS = 1000;

    private final int max;
    private final Consumer<LedgerEntry> changes;
    private final Map<LedgerKey, LedgerEntry> entries = new HashMap<>();
    private long lastFullSweep = Long.MIN_VALUE;
    private long refused;

    LedgerTable(int max, Consumer<LedgerEntry> changes) {
        this.max = max;
        this.changes = changes;
    }

    /** Takes an entry read from disk: a later one of a key is its latest state, an ended one leaves. */
    void load(LedgerEntry entry, long now) {
        if (entry.expiredAt(now)) {
            entries.remove(entry.key());
        } else {
            entries.put(entry.key(), entry);
        }
    }

    Verdict judge(Ban ban, long now) {
        long start = ban.start().toEpochMilli();
        if (ended(ban, now)) {
            return Verdict.EXPIRED;
        }
        LedgerEntry held = live(ban.key(), now);
        if (held == null) {
            return Verdict.RUN;
        }
        if (!held.state().inForce()) {
            return revokes(held, start) ? Verdict.REVOKED : Verdict.RUN;
        }
        if (start != held.startMillis()) {
            return start < held.startMillis() ? Verdict.SUPERSEDED : Verdict.RUN;
        }
        if (held.state() == State.MADE) {
            return Verdict.RUN; // made here, its announce back: the channel's action has not run for it yet
        }
        return held.state() == State.APPLIED ? Verdict.APPLIED : Verdict.PENDING;
    }

    Verdict admit(Ban ban, long now) throws LedgerFullException {
        Verdict verdict = judge(ban, now);
        if (verdict.runs()) {
            put(LedgerEntry.of(ban, State.PENDING), now);
        }
        return verdict;
    }

    /** This host made {@code ban}: kept {@link State#MADE} when it is new, or newer than what is held. */
    void made(Ban ban, long now) throws LedgerFullException {
        LedgerEntry held = live(ban.key(), now);
        long start = ban.start().toEpochMilli();
        if (!ended(ban, now) && (held == null || held.startMillis() < start)) {
            put(LedgerEntry.of(ban, State.MADE), now);
        }
    }

    State applied(Ban ban, long now) throws LedgerFullException {
        long start = ban.start().toEpochMilli();
        LedgerEntry held = live(ban.key(), now);
        if (ended(ban, now)) {
            return held == null ? State.APPLIED : held.state(); // nothing to keep: it has ended
        }
        if (held == null || held.state().inForce() && held.startMillis() < start) {
            put(LedgerEntry.of(ban, State.APPLIED), now); // new to this host, or newer than what it held
            return State.APPLIED;
        }
        if (held.state().inForce()) {
            if (held.startMillis() == start && (held.state() == State.PENDING || held.state() == State.MADE)) {
                put(held.with(State.APPLIED, held.changedMillis()), now);
                return State.APPLIED;
            }
            return held.state(); // applied already, or a newer ban is held
        }
        if (!revokes(held, start)) {
            put(LedgerEntry.of(ban, State.APPLIED), now); // a ban made after the unban held
            return State.APPLIED;
        }
        if (held.state() == State.REVOKED) {
            put(held.with(State.UNBAN_PENDING, held.changedMillis()), now); // unbanned while its action ran
        }
        return State.UNBAN_PENDING;
    }

    LedgerEntry revoke(Unban unban, boolean unbanDone, long now) throws LedgerFullException {
        long at = unban.at().toEpochMilli();
        LedgerEntry held = live(unban.key(), now);
        LedgerEntry revocation;
        if (held == null) {
            long end = unban.end().map(java.time.Instant::toEpochMilli).orElse(LedgerEntry.PERMANENT);
            revocation = new LedgerEntry(unban.key(), unban.origin(), at, Math.max(end, at), at, State.REVOKED);
        } else {
            boolean ran = held.state() == State.APPLIED || held.state() == State.UNBAN_PENDING;
            revocation = held.with(ran && !unbanDone ? State.UNBAN_PENDING : State.REVOKED,
                    Math.max(at, held.changedMillis()));
        }
        if (revocation.expiredAt(now)) {
            entries.remove(unban.key()); // the ban has ended anyway: nothing to guard against
        } else {
            put(revocation, now);
        }
        return revocation;
    }

    boolean unbanned(LedgerKey key, long now) {
        LedgerEntry held = live(key, now);
        if (held == null || held.state() != State.UNBAN_PENDING) {
            return false;
        }
        record(held.with(State.REVOKED, held.changedMillis()));
        return true;
    }

    /** The entry for {@code key}, or null when there is none or its ban has ended. */
    LedgerEntry live(LedgerKey key, long now) {
        LedgerEntry entry = entries.get(key);
        return entry == null || entry.expiredAt(now) ? null : entry;
    }

    /** The entries {@code which} selects among those not ended, in no order. */
    List<LedgerEntry> select(Predicate<LedgerEntry> which, long now) {
        List<LedgerEntry> found = new ArrayList<>();
        for (LedgerEntry entry : entries.values()) {
            if (!entry.expiredAt(now) && which.test(entry)) {
                found.add(entry);
            }
        }
        return found;
    }

    /** How many entries not ended {@code which} selects. */
    int count(Predicate<LedgerEntry> which, long now) {
        return select(which, now).size();
    }

    /** Takes out every entry whose ban has ended; returns how many. */
    int sweep(long now) {
        int before = entries.size();
        entries.values().removeIf(entry -> entry.expiredAt(now));
        return before - entries.size();
    }

    /** Every entry, for a snapshot (entries are immutable, the list is the caller's). */
    List<LedgerEntry> copy() {
        return new ArrayList<>(entries.values());
    }

    int size() {
        return entries.size();
    }

    int max() {
        return max;
    }

    long refused() {
        return refused;
    }

    private static boolean ended(Ban ban, long now) {
        return ban.end().isPresent() && ban.end().get().toEpochMilli() <= now;
    }

    /** Whether the revocation {@code held} covers a ban that started at {@code start}: that ban is not newer. */
    private static boolean revokes(LedgerEntry held, long start) {
        return start <= Math.max(held.startMillis(), held.changedMillis());
    }

    private void put(LedgerEntry entry, long now) throws LedgerFullException {
        if (!entries.containsKey(entry.key()) && entries.size() >= max) {
            if (lastFullSweep == Long.MIN_VALUE || now - lastFullSweep >= FULL_SWEEP_MILLIS) {
                lastFullSweep = now;
                sweep(now);
            }
            if (entries.size() >= max) {
                refused++;
                throw new LedgerFullException(max, entry.key());
            }
        }
        record(entry);
    }

    private void record(LedgerEntry entry) {
        entries.put(entry.key(), entry);
        changes.accept(entry);
    }
}
