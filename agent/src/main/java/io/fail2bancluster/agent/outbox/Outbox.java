package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.agent.status.OutboxStatus;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.BlockingThreads;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The agent's outbox as its event loop sees it: which entry each server still owes, handing entries to
 * the {@link OutboxDestination}s that carry their channel and taking their confirmations. An entry leaves
 * once every server carrying its channel confirmed it. The disk side ({@link OutboxStore}: a confirmation
 * recorded, an entry removed) is done by the outbox's own writer thread, never on the loop: a sync can
 * take milliseconds.
 *
 * <p>The writer's queue is bounded by the outbox itself: each entry yields at most one task per
 * confirming ping answer, and at most {@code outbox_max} entries exist.
 *
 * <p>{@link #publishCommand()} is the control socket's side; everything else runs on the event loop.
 */
public final class Outbox {
    private static final Logger LOG = LogManager.getLogger(Outbox.class);
    private static final long WRITER_STOP_SECONDS = 5;

    /** One entry as the loop tracks it. */
    private static final class Waiting {
        final OutboxStore.Entry entry;
        /** The servers that have it (on disk, or confirmed since). */
        final Set<String> confirmed;
        /** The servers that carry its channel and have not confirmed it. */
        Set<String> owed = Set.of();

        Waiting(OutboxStore.Entry entry) {
            this.entry = entry;
            this.confirmed = new HashSet<>(entry.confirmed());
        }
    }

    /** One change for the disk, in the order the loop saw it. */
    private record Write(long sequence, String server, boolean last) {
    }

    private final OutboxStore store;
    private final ExecutorService writer;
    private final PublishCommand publish;
    private final TreeMap<Long, Waiting> waiting = new TreeMap<>();
    private List<OutboxDestination> destinations = List.of();
    /** The channels some destination carries, for the control socket's thread to check a publish against. */
    private volatile Set<String> carried = Set.of();
    private final Set<String> warnedUncarried = new HashSet<>();
    private long delivered;

    /**
     * @param loop   the agent's event loop, where each accepted entry is handed over
     * @param writer runs the disk side; shut down by {@link #close()}
     */
    public Outbox(OutboxStore store, Executor loop, ExecutorService writer, Clock clock) {
        this(store, loop, writer, clock, PublishRecorder.NONE);
    }

    /** @param recorder learns of each publish on disk (the ledger), and may refuse one first */
    public Outbox(OutboxStore store, Executor loop, ExecutorService writer, Clock clock, PublishRecorder recorder) {
        this.store = store;
        this.writer = writer;
        this.publish = new PublishCommand(store, channel -> carried.contains(channel), entry -> handOver(loop, entry),
                clock, recorder);
    }

    /** An outbox with its own writer thread, started by the first write. */
    public static Outbox withWriterThread(OutboxStore store, Executor loop) {
        return withWriterThread(store, loop, PublishRecorder.NONE);
    }

    /** An outbox with its own writer thread, whose publishes {@code recorder} learns of. */
    public static Outbox withWriterThread(OutboxStore store, Executor loop, PublishRecorder recorder) {
        return new Outbox(store, loop, Executors.newSingleThreadExecutor(BlockingThreads.named("outbox-writer")),
                Clock.systemUTC(), recorder);
    }

    private void handOver(Executor loop, OutboxStore.Entry entry) {
        try {
            loop.execute(() -> add(entry));
        } catch (RejectedExecutionException stopping) {
            LOG.info("outbox entry {} kept on disk for the next start (the agent is stopping)", entry.sequence());
        }
    }

    /** The control socket's {@code publish CHANNEL MESSAGE}. */
    public PublishCommand publishCommand() {
        return publish;
    }

    /**
     * At start, before any connection is up: the servers, and what the store kept from the last run.
     * On the loop.
     */
    public void start(List<OutboxDestination> servers, List<OutboxStore.Entry> stored) {
        destinations(servers);
        stored.forEach(this::add);
        if (!stored.isEmpty()) {
            LOG.info("outbox: {} entries from the last run to deliver", stored.size());
        }
    }

    /**
     * The servers after a start or reload, in config order: each waiting entry is owed by those that carry
     * its channel now and have not confirmed it. On the loop.
     */
    public void destinations(List<OutboxDestination> servers) {
        destinations = List.copyOf(servers);
        Set<String> channels = new HashSet<>();
        servers.forEach(server -> channels.addAll(server.channels()));
        carried = Set.copyOf(channels);
        warnedUncarried.clear();
        List<Write> writes = new ArrayList<>();
        for (Waiting entry : new ArrayList<>(waiting.values())) {
            assign(entry, writes);
        }
        write(writes);
    }

    /** An entry on disk, to deliver. On the loop. */
    void add(OutboxStore.Entry entry) {
        if (waiting.containsKey(entry.sequence())) {
            return;
        }
        Waiting added = new Waiting(entry);
        waiting.put(entry.sequence(), added);
        List<Write> writes = new ArrayList<>();
        assign(added, writes);
        write(writes);
    }

    private void assign(Waiting entry, List<Write> writes) {
        Map<String, OutboxDestination> carriers = carriersOf(entry.entry.channel());
        if (carriers.isEmpty()) {
            // kept: a reload may bring the channel back, and the depth alert tells the operator
            if (warnedUncarried.add(entry.entry.channel())) {
                LOG.warn("outbox: no configured server carries channel {}; its entries wait",
                        Wire.quote(entry.entry.channel()));
            }
            entry.owed = Set.of();
            return;
        }
        Set<String> owed = new LinkedHashSet<>(carriers.keySet());
        owed.removeAll(entry.confirmed);
        entry.owed = owed;
        if (owed.isEmpty()) {
            done(entry, writes);
            return;
        }
        for (String server : owed) {
            carriers.get(server).offer(entry.entry);
        }
    }

    /** Each server name once, the first destination of that name: a server listed twice gets an entry once. */
    private Map<String, OutboxDestination> carriersOf(String channel) {
        Map<String, OutboxDestination> carriers = new LinkedHashMap<>();
        for (OutboxDestination destination : destinations) {
            if (destination.channels().contains(channel)) {
                carriers.putIfAbsent(destination.name(), destination);
            }
        }
        return carriers;
    }

    /**
     * {@code from} confirmed these entries (in the order it was sent them). An entry that every carrier
     * now has leaves the outbox. On the loop.
     */
    public void confirmed(OutboxDestination from, List<Long> sequences) {
        List<Write> writes = new ArrayList<>();
        for (long sequence : sequences) {
            Waiting entry = waiting.get(sequence);
            if (entry == null || !entry.owed.contains(from.name())) {
                continue;
            }
            entry.confirmed.add(from.name());
            Set<String> owed = new LinkedHashSet<>(entry.owed);
            owed.remove(from.name());
            entry.owed = owed;
            if (owed.isEmpty()) {
                done(entry, writes);
            } else {
                writes.add(new Write(sequence, from.name(), false));
            }
        }
        write(writes);
    }

    private void done(Waiting entry, List<Write> writes) {
        waiting.remove(entry.entry.sequence());
        delivered++;
        writes.add(new Write(entry.entry.sequence(), null, true));
    }

    private void write(List<Write> writes) {
        if (writes.isEmpty()) {
            return;
        }
        try {
            writer.execute(() -> apply(writes));
        } catch (RejectedExecutionException stopping) {
            // the next start resends what the disk still holds: a server may get it twice, none lacks it
            LOG.debug("outbox: {} confirmation(s) not recorded (stopping)", writes.size());
        }
    }

    private void apply(List<Write> writes) {
        for (Write write : writes) {
            try {
                if (write.last()) {
                    store.remove(write.sequence());
                } else {
                    store.confirm(write.sequence(), write.server());
                }
            } catch (IOException e) {
                LOG.warn("outbox: cannot record that entry {} was {}: {} (it is sent again after a restart)",
                        write.sequence(), write.last() ? "delivered" : "confirmed by " + write.server(), e.toString());
            }
        }
    }

    /** On the loop. */
    public OutboxStatus status() {
        return new OutboxStatus(waiting.size(), store.max(),
                waiting.isEmpty() ? Optional.empty() : Optional.of(waiting.firstEntry().getValue().entry.accepted()),
                publish.accepted(), publish.refusedFull(), delivered);
    }

    /** Lets the writer finish what the loop handed it (the loop has stopped delivering). Off the loop. */
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(WRITER_STOP_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("outbox: the writer did not finish within {} s; the next start resends what it had left",
                        WRITER_STOP_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
