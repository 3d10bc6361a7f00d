package io.fail2bancluster.agent.outbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The agent's outbox on disk: messages handed over by this host's fail2ban, kept until every server that
 * carries their channel has confirmed them, through restarts and kill -9.
 *
 * <p>One file per entry, {@code NNNNNNNNNNNNNNNNNNNN.msg} (its sequence number), written to a temporary
 * name, synced and renamed, and the folder synced, before {@link #append} returns: an entry is on disk
 * whole or not at all. Each confirmation appends the server's name to {@code NNN.done} and syncs it, so a
 * restart sends an entry only to the servers that had not confirmed it. An entry leaves (both files) when
 * {@link #remove} is called for it. Bounded by {@code max} entries: past that, {@link #append} refuses.
 *
 * <p>Blocking file I/O: never call it on an event loop. The methods are synchronized, so the control
 * socket's thread (appends) and the outbox's writer thread (confirmations, removals) may share it.
 */
public final class OutboxStore {
    private static final String ENTRY = ".msg";
    private static final String DONE = ".done";

    /**
     * One kept message.
     *
     * @param sequence  its place in the outbox, in the order it was handed over
     * @param accepted  when it was written
     * @param channel   the channel it is published on
     * @param message   the message, as handed over
     * @param confirmed the servers that have it already
     */
    public record Entry(long sequence, Instant accepted, String channel, String message, Set<String> confirmed) {
        public Entry {
            confirmed = Set.copyOf(confirmed);
        }
    }

    /** The outbox holds {@code max} entries already. */
    public static final class FullException extends IOException {
        FullException(int max) {
            super("the outbox is full (outbox_max " + max + " entries)");
        }
    }

    private final Path dir;
    private final int max;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private long nextSequence;

    private OutboxStore(Path dir, int max) {
        this.dir = dir;
        this.max = max;
    }

    /**
     * Opens the outbox in {@code dir} (created, mode 0700, if missing) and reads what a previous run left.
     * A temporary file from a write that a crash interrupted is removed: its entry was never confirmed to
     * the publisher.
     */
    public static OutboxStore open(Path dir, int max) throws IOException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        OutboxStore store = new OutboxStore(dir, max);
        store.load();
        return store;
    }

    private void load() throws IOException {
        long highest = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                    continue;
                }
                if (!name.endsWith(ENTRY)) {
                    continue;
                }
                long sequence = Long.parseLong(name.substring(0, name.length() - ENTRY.length()));
                entries.put(sequence, read(sequence, file));
                highest = Math.max(highest, sequence);
            }
        }
        nextSequence = highest + 1;
    }

    private Entry read(long sequence, Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.size() != 3) {
            throw new IOException(file + ": not an outbox entry (expected 3 lines, found " + lines.size() + ")");
        }
        Set<String> confirmed = new LinkedHashSet<>();
        try {
            for (String server : Files.readAllLines(doneFile(sequence), StandardCharsets.UTF_8)) {
                if (!server.isEmpty()) {
                    confirmed.add(server);
                }
            }
        } catch (NoSuchFileException none) {
            // no server has confirmed it yet
        }
        return new Entry(sequence, Instant.parse(lines.get(0)), lines.get(1), lines.get(2), confirmed);
    }

    /**
     * Writes a new entry and syncs it to disk before returning.
     *
     * @throws FullException when {@code max} entries wait already
     */
    public synchronized Entry append(String channel, String message, Instant now) throws IOException {
        if (channel.contains("\n") || message.contains("\n") || channel.contains("\r") || message.contains("\r")) {
            throw new IllegalArgumentException("a channel or message cannot hold a line break");
        }
        if (entries.size() >= max) {
            throw new FullException(max);
        }
        long sequence = nextSequence++;
        Path tmp = dir.resolve(name(sequence) + ENTRY + ".tmp");
        try {
            writeSynced(tmp, now + "\n" + channel + "\n" + message + "\n", StandardOpenOption.CREATE_NEW);
            Files.move(tmp, entryFile(sequence), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a full disk: nothing of this entry is left behind, half-written or not (a removal needs no space)
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException alsoFailed) {
                e.addSuppressed(alsoFailed); // the next open removes it
            }
            throw e;
        }
        syncDir();
        Entry entry = new Entry(sequence, now, channel, message, Set.of());
        entries.put(sequence, entry);
        return entry;
    }

    /** Records, synced, that {@code server} has entry {@code sequence}; returns the entry as it now stands. */
    public synchronized Optional<Entry> confirm(long sequence, String server) throws IOException {
        Entry entry = entries.get(sequence);
        if (entry == null || entry.confirmed().contains(server)) {
            return Optional.ofNullable(entry);
        }
        writeSynced(doneFile(sequence), server + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Set<String> confirmed = new LinkedHashSet<>(entry.confirmed());
        confirmed.add(server);
        Entry updated = new Entry(sequence, entry.accepted(), entry.channel(), entry.message(), confirmed);
        entries.put(sequence, updated);
        return Optional.of(updated);
    }

    /** Takes an entry out for good: every server that carries its channel has it. */
    public synchronized void remove(long sequence) throws IOException {
        if (entries.remove(sequence) == null) {
            return;
        }
        Files.deleteIfExists(entryFile(sequence));
        Files.deleteIfExists(doneFile(sequence));
        syncDir();
    }

    /** What waits, oldest first. */
    public synchronized List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }

    public synchronized int size() {
        return entries.size();
    }

    /** When the oldest waiting entry was handed over. */
    public synchronized Optional<Instant> oldest() {
        return entries.values().stream().map(Entry::accepted).min(Comparator.naturalOrder());
    }

    public int max() {
        return max;
    }

    private Path entryFile(long sequence) {
        return dir.resolve(name(sequence) + ENTRY);
    }

    private Path doneFile(long sequence) {
        return dir.resolve(name(sequence) + DONE);
    }

    private static String name(long sequence) {
        return String.format("%020d", sequence);
    }

    private static void writeSynced(Path file, String text, StandardOpenOption... options) throws IOException {
        List<StandardOpenOption> all = new ArrayList<>(List.of(options));
        all.add(StandardOpenOption.WRITE);
        try (FileChannel channel = FileChannel.open(file, Set.copyOf(all),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
    }

    /** A rename or removal is durable only once the folder itself is synced. */
    private void syncDir() throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
