package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.config.AddressRange;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the ledger holds for one key: the latest ban it knows of there, or the revocation of it. Immutable;
 * a change makes a new entry. Times are epoch milliseconds inside, to keep an entry small (see
 * {@link Ledger} for the cost of one).
 */
public final class LedgerEntry {
    /** Where a ban stands on this host. */
    public enum State {
        /** In force; its action has not succeeded here yet (a retry is due). */
        PENDING,
        /** In force; its action ran here (or this host made it). */
        APPLIED,
        /** Unbanned after it ran here; the unban action has not succeeded yet (a retry is due). */
        UNBAN_PENDING,
        /** Unbanned; kept until the ban's end so that a late re-announce runs nothing. */
        REVOKED,
        /**
         * In force; this host made it (its fail2ban applied it) and the channel's action has not run here: the
         * ban's own announce coming back runs it once, where no {@code skip_own} stops it. Last: the journal
         * stores a state by its position.
         */
        MADE;

        /** Whether the ban stands (as against unbanned). */
        public boolean inForce() {
            return this == PENDING || this == APPLIED || this == MADE;
        }

        /** Whether an action (the ban, or its unban) waits to succeed. */
        public boolean awaitsAction() {
            return this == PENDING || this == UNBAN_PENDING;
        }
    }

    static final long PERMANENT = Long.MAX_VALUE;

    private final LedgerKey key;
    private final String origin;
    private final long start;
    private final long end;
    private final long changed;
    private final State state;

    LedgerEntry(LedgerKey key, String origin, long start, long end, long changed, State state) {
        this.key = Objects.requireNonNull(key, "key");
        this.origin = LedgerKey.name("host", origin);
        this.start = start;
        this.end = end;
        this.changed = changed;
        this.state = Objects.requireNonNull(state, "state");
    }

    static LedgerEntry of(Ban ban, State state) {
        long start = ban.start().toEpochMilli();
        return new LedgerEntry(ban.key(), ban.origin(), start, ban.end().map(Instant::toEpochMilli).orElse(PERMANENT),
                start, state);
    }

    LedgerEntry with(State newState, long newChanged) {
        return new LedgerEntry(key, origin, start, end, newChanged, newState);
    }

    public LedgerKey key() {
        return key;
    }

    public String channel() {
        return key.channel();
    }

    public String jail() {
        return key.jail();
    }

    public AddressRange address() {
        return key.address();
    }

    /** The host that made the ban (for a revocation of a ban this host never knew: the host that unbanned). */
    public String origin() {
        return origin;
    }

    /** When the ban started on its origin. */
    public Instant start() {
        return Instant.ofEpochMilli(start);
    }

    /** When the ban ends; empty when it is permanent. */
    public Optional<Instant> end() {
        return end == PERMANENT ? Optional.empty() : Optional.of(Instant.ofEpochMilli(end));
    }

    public boolean isPermanent() {
        return end == PERMANENT;
    }

    /** When this entry last changed its standing: the ban's start, or the unban's time for a revocation. */
    public Instant changed() {
        return Instant.ofEpochMilli(changed);
    }

    public State state() {
        return state;
    }

    /** Whether the ban has ended by {@code nowMillis}: then the entry leaves the ledger. */
    boolean expiredAt(long nowMillis) {
        return end <= nowMillis;
    }

    /** Whether the ban stands at {@code now}: not unbanned and not ended. */
    public boolean inForceAt(Instant now) {
        return state.inForce() && !expiredAt(now.toEpochMilli());
    }

    long startMillis() {
        return start;
    }

    long endMillis() {
        return end;
    }

    long changedMillis() {
        return changed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LedgerEntry other && key.equals(other.key) && origin.equals(other.origin)
                && start == other.start && end == other.end && changed == other.changed && state == other.state;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, origin, start, end, changed, state);
    }

    @Override
    public String toString() {
        return key + " from " + origin + " since " + start() + " until " + (isPermanent() ? "permanent" : end().get())
                + " " + state.name().toLowerCase(java.util.Locale.ROOT);
    }
}
