package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.agent.ledger.LedgerEntry.State;
import io.fail2bancluster.util.DurableFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The bans in force this host knows of, kept in {@code state_dir} through restarts and kill -9: those it made
 * and those it received, with whether their action ran here, and the unbans among them, kept as revocations
 * until the ban's end. Keyed by (channel, jail, address); see {@link LedgerEntry} for what an entry holds and
 * {@link Verdict} for what a ban that arrives (again) makes of it.
 *
 * <p><b>On disk</b> ({@link LedgerFiles}, {@link LedgerCodec}): a snapshot and an append-only journal of the
 * changes since, each record with its length and CRC-32C. A change is only memory at first; the writer
 * thread appends what changed once per {@link LedgerWriter#INTERVAL} (group commit: one write and one fsync
 * for any number of changes) and once more at {@link #close}. When the journal outgrows the snapshot (at least
 * 1 MiB) the write is a compaction instead: a new snapshot through a temporary file, fsync, rename, folder
 * fsync, then a fresh journal. So after kill -9 what was written before stands, a torn last record is seen
 * by its checksum and left out, and every change of the last second at most is lost. A failed write (a full
 * disk) changes nothing on disk that a load would take half-way, is reported by {@link #write} and by
 * {@link #status}, and makes the next write a compaction of the whole ledger, which succeeds once there is
 * room again; the ledger in memory stays whole meanwhile, and so do the rules below. Why this shape: a file
 * per entry (as the outbox keeps) would cost an fsync per change and 100,000 files; rewriting one file every
 * second would cost the whole ledger per second; the journal costs what changed, the snapshot bounds replay.
 * The agent opens it on {@code state_dir}: {@code state_dir/ledger.snapshot} and {@code state_dir/ledger.journal}.
 *
 * <p><b>Bound</b>: at most {@code ledger_max} keys. Expired entries leave at a sweep (every minute, at a
 * compaction, and when the ledger is full); past the bound a new key is refused with
 * {@link LedgerFullException}, never by dropping a ban in force. One entry costs about 180 bytes of heap,
 * IPv4 or IPv6 ({@code LedgerMemoryTest} measures it; by layout: map node 32, key 24, address 24 and its bytes
 * 24 or 32, entry 48, table slot about 10): 100,000 entries take about 18 MB. On disk about 75 bytes each.
 *
 * <p><b>Threads</b>: every method but {@link #open}, {@link #write} and {@link #close} works on memory only,
 * under this object's monitor, for a few microseconds (a sweep or a query a few milliseconds at 100,000
 * entries); they may be called from an event loop. {@link #open}, {@link #write} and {@link #close} block on
 * files: call them off any event loop. {@link #start} starts the one writer thread, {@link #close} stops it
 * after a last write; nothing starts in the constructor.
 */
public final class Ledger implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Ledger.class);
    /** The heap one entry costs, IPv4 or IPv6, rounded up from {@code LedgerMemoryTest}'s measurement. */
    public static final int HEAP_BYTES_PER_ENTRY = 180;
    /** Changes waiting past this many bytes (the disk failing for long) are dropped for a compaction. */
    static final int MAX_UNWRITTEN_BYTES = 4 << 20;
    private static final Comparator<LedgerEntry> BY_END = Comparator.comparingLong(LedgerEntry::endMillis)
            .thenComparingLong(LedgerEntry::startMillis).thenComparing(LedgerEntry::key);
    private static final Comparator<LedgerEntry> BY_CHANGE = Comparator.comparingLong(LedgerEntry::changedMillis);

    private final Clock clock;
    private final LedgerFiles files;
    /** Held across one write, so that the writer and {@link #close} never write at once. */
    private final Object writeLock = new Object();
    private final LedgerTable table;
    /** The records of the changes since the last write, framed. */
    private ByteArrayOutputStream unwritten = new ByteArrayOutputStream();
    private boolean changed;
    /** The next write is a compaction: after a failed write, a torn journal, or too much unwritten. */
    private boolean rewrite;
    private Instant lastWritten;
    private String writeFailure;
    private LedgerWriter writer;
    private boolean closed;

    private Ledger(int max, Clock clock, LedgerFiles files) {
        this.clock = clock;
        this.files = files;
        this.table = new LedgerTable(max, this::changed);
    }

    /**
     * Reads the ledger in {@code dir} (created, mode 0700, if missing) as a previous run left it.
     *
     * @param max {@code ledger_max}
     * @throws IOException naming the file, when a file is damaged beyond a torn last record
     */
    public static Ledger open(Path dir, int max, Clock clock) throws IOException {
        return open(dir, max, clock, DurableFiles.DISK, LedgerFiles.MIN_COMPACTION_BYTES);
    }

    static Ledger open(Path dir, int max, Clock clock, DurableFiles.Opener opener, long minCompactionBytes)
            throws IOException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        LedgerFiles files = new LedgerFiles(dir, opener, minCompactionBytes);
        LedgerFiles.Loaded loaded = files.load();
        Ledger ledger = new Ledger(max, clock, files);
        long now = ledger.now();
        loaded.entries().forEach(entry -> ledger.table.load(entry, now));
        loaded.notes().forEach(LOG::warn);
        if (loaded.needsRewrite()) {
            ledger.rewrite = true;
            ledger.changed = true;
        }
        if (ledger.table.size() > max) {
            LOG.warn("the ledger holds {} entries, more than ledger_max {}: all are kept, new ones are refused until "
                    + "enough have ended", ledger.table.size(), max);
        }
        return ledger;
    }

    /** Starts the writer thread: a write once per second while something changed. Once. */
    public synchronized void start() {
        if (writer != null || closed) {
            throw new IllegalStateException(closed ? "the ledger is closed" : "the ledger is started already");
        }
        writer = new LedgerWriter(this);
        writer.start();
    }

    /** What the ledger says of {@code ban}, arriving now; changes nothing. */
    public synchronized Verdict verdict(Ban ban) {
        return table.judge(ban, now());
    }

    /** Whether this host has run (or made) {@code ban}: the same key and start, applied here. */
    public synchronized boolean hasApplied(Ban ban) {
        Verdict verdict = table.judge(ban, now());
        return verdict == Verdict.APPLIED || verdict == Verdict.RUN
                && get(ban.key()).filter(e -> e.state() == State.MADE && e.start().equals(ban.start())).isPresent();
    }

    /**
     * This host made {@code ban} (its fail2ban applied it and handed it to the outbox): it is in force, and
     * {@link State#MADE} until its own announce comes back and the channel's action runs it here (or never, on
     * a {@code skip_own} channel). A ban that has ended, or an older one than the ledger holds, is not kept.
     *
     * @throws LedgerFullException when it would be a new key past {@code ledger_max}
     */
    public synchronized void made(Ban ban) throws LedgerFullException {
        table.made(ban, changeTime());
    }

    /**
     * A ban arrives: its verdict, and when that is {@link Verdict#RUN} the ban is kept as
     * {@link State#PENDING} until {@link #applied} says its action succeeded.
     *
     * @throws LedgerFullException when it would be a new key past {@code ledger_max} (the caller still runs it)
     */
    public synchronized Verdict admit(Ban ban) throws LedgerFullException {
        return table.admit(ban, changeTime());
    }

    /**
     * {@code ban}'s action succeeded here, or this host made it (its own fail2ban applied it). Returns where it
     * stands now: {@link State#APPLIED}; {@link State#UNBAN_PENDING} when it was unbanned while its action
     * ran, so the unban is now due; or the state of a newer ban the ledger holds for the key, left as it is.
     * A ban that has ended is not kept.
     *
     * @throws LedgerFullException when it would be a new key past {@code ledger_max}
     */
    public synchronized State applied(Ban ban) throws LedgerFullException {
        return table.applied(ban, changeTime());
    }

    /**
     * {@code unban} arrives: the ban held for its key is revoked, kept until the ban's end (or the unban's
     * own end when the ledger never knew the ban). The revocation is {@link State#UNBAN_PENDING} when the ban
     * ran here and {@code unbanDone} is false (the caller runs the unban, then calls {@link #unbanned}), else
     * {@link State#REVOKED}: a pending ban is moot, and a host's own unban was done by its fail2ban.
     *
     * @return the revocation as held now
     * @throws LedgerFullException when it would be a new key past {@code ledger_max}
     */
    public synchronized LedgerEntry revoke(Unban unban, boolean unbanDone) throws LedgerFullException {
        return table.revoke(unban, unbanDone, changeTime());
    }

    /** The unban due for {@code key} succeeded; returns whether one was due. */
    public synchronized boolean unbanned(LedgerKey key) {
        return table.unbanned(key, changeTime());
    }

    /** The entry for {@code key}: a ban in force, awaiting its action, or revoked; empty once its ban ended. */
    public synchronized Optional<LedgerEntry> get(LedgerKey key) {
        return Optional.ofNullable(table.live(key, now()));
    }

    /**
     * Bans in force now that {@code query} selects, the soonest to end first, permanent ones last. Like every
     * query, it holds the monitor for the scan only (about a millisecond at 100,000), not for the sort.
     */
    public List<LedgerEntry> inForce(LedgerQuery query) {
        return sorted(e -> e.state().inForce() && query.matches(e), BY_END);
    }

    /**
     * What changed on {@code channel} at or after {@code since} and has not ended: bans in force that started
     * since, and revocations made since. Oldest change first. What a catch-up answer announces again.
     */
    public List<LedgerEntry> since(String channel, Instant since) {
        long from = since.toEpochMilli();
        return sorted(e -> e.channel().equals(channel) && e.changedMillis() >= from, BY_CHANGE);
    }

    /** Bans and unbans whose action has not succeeded here yet and whose ban has not ended; oldest first. */
    public List<LedgerEntry> awaitingAction() {
        return sorted(e -> e.state().awaitsAction(), BY_CHANGE);
    }

    /** Takes out every entry whose ban has ended; returns how many. The writer calls it once a minute. */
    public synchronized int sweep() {
        return table.sweep(now());
    }

    public synchronized int size() {
        return table.size();
    }

    public synchronized LedgerStatus status() {
        long now = now();
        int inForce = table.count(e -> e.state().inForce(), now);
        int revoked = table.count(e -> !e.state().inForce(), now);
        int awaiting = table.count(e -> e.state().awaitsAction(), now);
        return new LedgerStatus(table.size(), table.max(), inForce, awaiting, revoked, table.refused(),
                Optional.ofNullable(lastWritten), Optional.ofNullable(writeFailure));
    }

    /** Why the last write failed, until a write succeeds again; cheap enough to ask before every publish. */
    public synchronized Optional<String> writeFailure() {
        return Optional.ofNullable(writeFailure);
    }

    /**
     * Writes what changed since the last write: appended to the journal, or a compaction. Blocking; the writer
     * thread calls it once per second, {@link #close} once more.
     *
     * @throws IOException saying which file could not be written and why (a full disk); nothing is then
     *                     half-written, and the next write is a compaction of everything
     */
    public void write() throws IOException {
        synchronized (writeLock) {
            List<LedgerEntry> snapshot = null;
            byte[] frames = null;
            synchronized (this) {
                if (!changed) {
                    return;
                }
                if (rewrite || files.wantsCompaction(unwritten.size())) {
                    table.sweep(now());
                    snapshot = table.copy();
                } else {
                    frames = unwritten.toByteArray();
                }
                unwritten = new ByteArrayOutputStream();
                changed = false;
                rewrite = false;
            }
            try {
                if (snapshot != null) {
                    files.compact(snapshot);
                } else {
                    files.append(frames);
                }
            } catch (IOException e) {
                synchronized (this) {
                    changed = true;
                    rewrite = true;
                    writeFailure = e.getMessage();
                }
                throw e;
            }
            synchronized (this) {
                lastWritten = clock.instant();
                writeFailure = null;
            }
        }
    }

    /**
     * Stops the writer thread and writes what changed since its last write. Blocking; once.
     *
     * @throws IOException when that last write fails: the changes since the last successful write are lost
     */
    @Override
    public void close() throws IOException {
        LedgerWriter running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = writer;
        }
        if (running != null) {
            running.stop();
        }
        try {
            write();
        } finally {
            files.closeJournal();
        }
    }

    private List<LedgerEntry> sorted(java.util.function.Predicate<LedgerEntry> which, Comparator<LedgerEntry> order) {
        List<LedgerEntry> found;
        synchronized (this) {
            found = table.select(which, now());
        }
        found.sort(order);
        return found;
    }

    /** A change arrives: the time, once it is sure the ledger still takes changes. */
    private long changeTime() {
        if (closed) {
            throw new IllegalStateException("the ledger is closed");
        }
        return now();
    }

    /** Every change goes to the next write's records, unless that write is a compaction anyway. */
    private void changed(LedgerEntry entry) {
        changed = true;
        if (!rewrite) {
            LedgerCodec.writeEntry(entry, unwritten);
            if (unwritten.size() > MAX_UNWRITTEN_BYTES) {
                unwritten = new ByteArrayOutputStream();
                rewrite = true; // the disk has failed for long: the next write takes everything at once
            }
        }
    }

    private long now() {
        return clock.millis();
    }
}
