package io.fail2bancluster.agent.nft;

import io.fail2bancluster.agent.status.NftStatus;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.util.DrainWaiters;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one thread that writes the agent's table. It takes what is queued, as much as there is (a lone ban goes
 * at once, a burst as one transaction), hands it to nft, and tells each operation its outcome. A batch nft
 * refuses whole is retried once after the table is checked (it may have been flushed), then element by
 * element, so the one bad element is named with the message it came from and the rest still apply. Every
 * {@code reconcile} interval, and whenever a batch fails, it compares the table with what it last wrote and
 * rebuilds it, with every element still in force, when someone flushed or changed it.
 */
final class NftWriter implements Runnable {
    private static final Logger LOG = LogManager.getLogger(NftWriter.class);
    /**
     * Operations waiting when the queue is {@link #full()}: a burst of 100,000 goes on unpaused; past it the
     * transports stop reading until the writer has taken the queue down to half.
     */
    static final int QUEUE = 100_000;
    /**
     * The hard bound, for a caller that does not ask {@link #full()} (the ledger's bans at start) and for what a
     * transport brings after it was told to stop: only past it is an operation dropped.
     */
    static final int HARD_BOUND = 2 * QUEUE;
    /** Elements in one transaction: a whole burst, since each transaction on an interval set costs time in proportion to the set. */
    static final int MAX_BATCH = QUEUE;
    /** Within a burst, how long the writer waits for the next operation before it writes what it has. */
    static final long BURST_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** A ban this close to its end may be gone from the kernel already: reconcile does not miss it. */
    static final java.time.Duration EXPIRY_SLACK = java.time.Duration.ofSeconds(2);
    private static final NftOp WAKE = new NftOp("", null, null, "", outcome -> { });

    private final NftCommand nft;
    private final Clock clock;
    private final BlockingQueue<NftOp> queue = new LinkedBlockingQueue<>(HARD_BOUND);
    /** Who waits for the queue to drain to half: each is called once. */
    private final DrainWaiters drainWaiters = new DrainWaiters();
    /** Per set, each element this agent put there and when its ban ends ({@link Instant#MAX}: permanent). */
    private final Map<String, Map<AddressRange, Instant>> inForce = new ConcurrentHashMap<>();
    private final AtomicReference<NftScript> wanted;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();
    private volatile long lastApplyMicros;
    private volatile long maxApplyMicros;
    private volatile boolean running = true;
    /** Owned by the writer's thread: the table as last written, the script that wrote it. */
    private String fingerprint;
    private NftScript written;
    private long nextReconcileNanos;

    NftWriter(NftCommand nft, Clock clock, NftScript script, String fingerprint) {
        this.nft = nft;
        this.clock = clock;
        this.wanted = new AtomicReference<>(script);
        this.written = script;
        this.fingerprint = fingerprint;
    }

    /** From any thread; false past the hard bound (counted as dropped). */
    boolean offer(NftOp op) {
        if (queue.offer(op)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /** Whether {@link #QUEUE} operations wait: a producer that can, holds back. Any thread. */
    boolean full() {
        return queue.size() >= QUEUE;
    }

    /** Calls {@code drained} once the queue is down to half, or at once when it is, or the writer has stopped. */
    void whenDrained(Runnable drained) {
        drainWaiters.add(drained, this::drainedToHalf);
    }

    /** Down to half, or stopped: a producer that held back may go on. */
    private boolean drainedToHalf() {
        return !running || queue.size() <= QUEUE / 2;
    }

    /** On the writer's thread, after it took from the queue (and when it stops): wakes the waiters. */
    private void drained() {
        if (drainedToHalf()) {
            drainWaiters.callAll();
        }
    }

    /** A reload's table: asserted by the writer's thread before the next batch. */
    void table(NftScript next) {
        wanted.set(next);
        queue.offer(WAKE);
    }

    void stop() {
        running = false;
        queue.offer(WAKE);
    }

    /** Elements this agent knows in force (for the ledger's re-assert, when a reload changes nothing else). */
    void seed(String set, AddressRange element, Instant until) {
        inForce.computeIfAbsent(set, s -> new ConcurrentHashMap<>()).put(element, until);
    }

    @Override
    public void run() {
        nextReconcileNanos = System.nanoTime() + written.config().reconcile().toNanos();
        while (running) {
            try {
                NftOp first = queue.poll(Math.max(0, nextReconcileNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (wanted.get() != written) {
                    assertTable(wanted.get(), "reload");
                }
                if (first != null && first != WAKE) {
                    List<NftOp> batch = new ArrayList<>();
                    batch.add(first);
                    gather(batch);
                    batch.removeIf(op -> op == WAKE);
                    drained();
                    long started = System.nanoTime();
                    apply(batch);
                    lastApplyMicros = (System.nanoTime() - started) / 1000;
                    maxApplyMicros = Math.max(maxApplyMicros, lastApplyMicros);
                }
                if (System.nanoTime() - nextReconcileNanos >= 0) {
                    reconcile();
                }
            } catch (InterruptedException e) {
                running = false;
            } catch (RuntimeException e) {
                LOG.error("nftables writer: {}", e.toString(), e);
            }
        }
        nft.close();
        drained();
    }

    /**
     * Adds what is queued to {@code batch}. A lone ban goes as it is; when company came with it, a burst is
     * under way: it keeps gathering while more arrive within {@link #BURST_GAP_NANOS}, since every nft
     * transaction on an interval set costs time in proportion to the set, so fewer, larger ones win.
     */
    private void gather(List<NftOp> batch) throws InterruptedException {
        if (queue.drainTo(batch, MAX_BATCH - batch.size()) == 0) {
            return;
        }
        drained();
        while (batch.size() < MAX_BATCH) {
            NftOp next = queue.poll(BURST_GAP_NANOS, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            batch.add(next);
            queue.drainTo(batch, MAX_BATCH - batch.size());
            drained();
        }
    }

    private void apply(List<NftOp> batch) {
        String refused = run(batch);
        if (refused != null && reconcile()) {
            refused = run(batch);
        }
        if (refused == null) {
            batch.forEach(op -> settle(op, null));
        } else if (batch.size() == 1) {
            settle(batch.get(0), refused);
        } else {
            LOG.warn("nft refused a batch of {} element(s) in {}; splitting it to find the bad one(s): {}",
                    batch.size(), written.table(), firstLine(refused));
            bisect(batch);
        }
    }

    /** Halves a refused batch until each refused part is one element: the good ones apply, the bad are named. */
    private void bisect(List<NftOp> batch) {
        if (batch.size() == 1) {
            settle(batch.get(0), run(batch));
            return;
        }
        for (List<NftOp> half : List.of(batch.subList(0, batch.size() / 2), batch.subList(batch.size() / 2, batch.size()))) {
            String refused = run(half);
            if (refused == null) {
                half.forEach(op -> settle(op, null));
            } else if (half.size() == 1) {
                settle(half.get(0), refused);
            } else {
                bisect(half);
            }
        }
    }

    private String run(List<NftOp> ops) {
        batches.incrementAndGet();
        return nft.run(NftBatch.script(written.table(), ops, clock.instant()));
    }

    private void settle(NftOp op, String refused) {
        if (refused == null) {
            applied.incrementAndGet();
            Map<AddressRange, Instant> set = inForce.computeIfAbsent(op.set(), s -> new ConcurrentHashMap<>());
            if (op.isBan()) {
                set.put(op.element(), op.until());
            } else {
                set.remove(op.element());
            }
        } else {
            failed.incrementAndGet();
            LOG.warn("nft refused {} {} in {} {}, from {}: {}", op.isBan() ? "ban" : "unban", op.element(),
                    written.table(), op.set(), op.origin(), firstLine(refused));
        }
        op.done().accept(refused);
    }

    /**
     * Lists the table and rebuilds it when it was deleted, its shape changed (a set or rule deleted or
     * altered), or a set holds fewer elements than the agent knows in force there ({@code nft flush set}).
     *
     * @return whether the table had to be rebuilt
     */
    boolean reconcile() {
        nextReconcileNanos = System.nanoTime() + written.config().reconcile().toNanos();
        Instant now = clock.instant();
        inForce.values().forEach(set -> set.values().removeIf(until -> !until.isAfter(now)));
        NftListing listed = NftListing.of(nft.list(written.table()));
        String why = listed == null ? "deleted" : !listed.shape().equals(fingerprint) ? "changed" : thinned(listed, now);
        if (why == null) {
            return false;
        }
        repairs.incrementAndGet();
        LOG.warn("the nftables table {} was {} behind the agent's back; rebuilding it with {} element(s) in force",
                written.table(), why, inForce.values().stream().mapToInt(Map::size).sum());
        assertTable(written, "repair");
        return true;
    }

    /**
     * The first set of {@code listed} holding fewer elements than the agent has in force there, described; null
     * when none. A ban ending within {@link #EXPIRY_SLACK} is not counted: the kernel may have let it go already.
     */
    private String thinned(NftListing listed, Instant now) {
        Instant counted = now.plus(EXPIRY_SLACK);
        for (Map.Entry<String, Map<AddressRange, Instant>> set : inForce.entrySet()) {
            Integer there = listed.elements().get(set.getKey());
            long known = set.getValue().values().stream().filter(until -> until.isAfter(counted)).count();
            if (there != null && there < known) {
                return "emptied (set " + set.getKey() + " holds " + there + " of " + known + " element(s))";
            }
        }
        return null;
    }

    /** Makes the table {@code script}'s, then puts every element in force back (timeouts renewed to their end). */
    private void assertTable(NftScript script, String why) {
        List<String> stale = NftEnforcer.staleSets(nft.list(script.table()), script);
        String refused = nft.run(script.assertion(stale));
        if (refused != null) {
            LOG.error("cannot assert the nftables table {} ({}): {}", script.table(), why, firstLine(refused));
            return;
        }
        stale.forEach(inForce::remove);
        written = script;
        List<NftOp> all = new ArrayList<>();
        inForce.forEach((set, elements) -> elements.forEach((element, until) ->
                all.add(new NftOp(set, element, until, "the agent's record of bans in force", outcome -> { }))));
        for (List<NftOp> chunk : NftBatch.chunks(all, MAX_BATCH)) {
            String again = nft.run(NftBatch.script(script.table(), chunk, clock.instant()));
            batches.incrementAndGet();
            if (again != null) {
                LOG.error("cannot put {} element(s) back into {}: {}", chunk.size(), script.table(), firstLine(again));
            }
        }
        fingerprint = NftListing.shapeOf(nft.list(script.table()));
    }

    NftStatus status() {
        Map<String, Integer> elements = new TreeMap<>();
        wanted.get().sets().forEach(set -> elements.put(set, inForce.getOrDefault(set, Map.of()).size()));
        return new NftStatus(wanted.get().table(), elements, batches.get(), applied.get(), failed.get(),
                dropped.get(), repairs.get(), lastApplyMicros, maxApplyMicros, queue.size());
    }

    static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
