package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.util.DurableFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The ledger's two files in its folder, and every blocking call on them: {@code ledger.snapshot} (every entry
 * at one moment, written whole to a temporary file, synced, renamed over the old one, the folder synced) and
 * {@code ledger.journal} (the changes since, appended and synced in groups). Both carry a generation: a
 * journal continues the snapshot of its generation only, so a journal left behind by a crash between the two
 * renames of a compaction is recognised as older and ignored (the snapshot holds all of it). Formats:
 * {@link LedgerCodec}.
 *
 * <p>Confined to one thread at a time (the ledger's writer); not thread-safe.
 */
final class LedgerFiles {
    static final String SNAPSHOT = "ledger.snapshot";
    static final String JOURNAL = "ledger.journal";
    /** A journal shorter than this is never compacted: a small snapshot would be rewritten for nothing. */
    static final long MIN_COMPACTION_BYTES = 1 << 20;
    private static final int CHUNK = 64 * 1024;

    /** What {@link #load} found: the entries, in file order (a later one for a key replaces an earlier). */
    record Loaded(List<LedgerEntry> entries, boolean needsRewrite, List<String> notes) {
    }

    private final Path dir;
    private final DurableFiles.Opener opener;
    private final long minCompactionBytes;
    private long generation;
    private long snapshotBytes;
    /** Where the next frame goes in the journal; 0 when the journal of this generation does not exist yet. */
    private long journalEnd;
    private FileChannel journal;

    LedgerFiles(Path dir, DurableFiles.Opener opener, long minCompactionBytes) {
        this.dir = dir;
        this.opener = opener;
        this.minCompactionBytes = minCompactionBytes;
    }

    Path snapshotFile() {
        return dir.resolve(SNAPSHOT);
    }

    Path journalFile() {
        return dir.resolve(JOURNAL);
    }

    /**
     * Reads the snapshot and the journal that continues it. A torn journal tail (a crash during an append) is
     * left out, and so is a journal of an older generation; either makes the next write a compaction, so
     * nothing is ever appended after bytes that are not whole.
     *
     * @throws IOException naming the file, when a snapshot is not whole (it is only ever renamed into place
     *                     whole, so the disk or a hand damaged it) or a file holds what this class never wrote
     */
    Loaded load() throws IOException {
        List<LedgerEntry> entries = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.deleteIfExists(DurableFiles.temporary(snapshotFile()));
        Files.deleteIfExists(DurableFiles.temporary(journalFile()));
        generation = readSnapshot(entries);
        boolean needsRewrite = readJournal(entries, notes);
        return new Loaded(entries, needsRewrite, notes);
    }

    private long readSnapshot(List<LedgerEntry> entries) throws IOException {
        Path file = snapshotFile();
        if (!Files.exists(file)) {
            return 0;
        }
        snapshotBytes = Files.size(file);
        try (InputStream stream = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            long found = LedgerCodec.generation(stream.readNBytes(LedgerCodec.HEADER_BYTES), LedgerCodec.SNAPSHOT_MAGIC);
            if (found < 0) {
                throw damaged(file, "no ledger snapshot header");
            }
            DataInputStream in = new DataInputStream(stream);
            int read = 0;
            for (LedgerCodec.Frame frame = frame(in, file); frame != null; frame = frame(in, file)) {
                if (frame.isEnd()) {
                    if (frame.endCount() != read || in.read() >= 0) {
                        throw damaged(file, "its end does not match its " + read + " entries");
                    }
                    return found;
                }
                entries.add(frame.entry());
                read++;
            }
            throw damaged(file, "not whole: " + read + " entries and no end");
        }
    }

    /** The next frame of a snapshot; what no version of the codec wrote is named as damage. */
    private static LedgerCodec.Frame frame(DataInputStream in, Path file) throws IOException {
        try {
            return LedgerCodec.read(in);
        } catch (IOException e) {
            throw damaged(file, String.valueOf(e.getMessage()));
        }
    }

    private boolean readJournal(List<LedgerEntry> entries, List<String> notes) throws IOException {
        Path file = journalFile();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException none) {
            return false;
        }
        long found = LedgerCodec.generation(bytes, LedgerCodec.JOURNAL_MAGIC);
        if (found != generation) {
            notes.add(file + ": " + (found < 0 ? "no whole header" : "generation " + found + ", not " + SNAPSHOT
                    + "'s " + generation + " (a compaction was interrupted)") + "; ignored, the snapshot holds what it held");
            return true;
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, LedgerCodec.HEADER_BYTES,
                bytes.length - LedgerCodec.HEADER_BYTES));
        long end = LedgerCodec.HEADER_BYTES;
        int read = 0;
        try {
            for (LedgerCodec.Frame frame = LedgerCodec.read(in); frame != null && !frame.isEnd(); frame = LedgerCodec.read(in)) {
                entries.add(frame.entry());
                end += frame.bytes();
                read++;
            }
        } catch (IOException e) {
            throw damaged(file, e.getMessage() + " at byte " + end);
        }
        if (end < bytes.length) {
            notes.add(file + ": a torn record at byte " + end + " of " + bytes.length + " (a crash during a write); "
                    + "the " + read + " whole records before it are kept, the rest ignored");
            return true;
        }
        journalEnd = end;
        return false;
    }

    private static IOException damaged(Path file, String why) {
        return new IOException(file + ": " + why + "; move it aside to start with an empty ledger (bans announced "
                + "again may then run again)");
    }

    /** Whether the journal, with {@code more} bytes appended, has outgrown the snapshot it continues. */
    boolean wantsCompaction(long more) {
        return journalEnd + more > Math.max(minCompactionBytes, snapshotBytes);
    }

    /**
     * Appends frames to the journal and syncs it. On a failure (a full disk) the frames written before it are
     * whole and replay as an earlier state of the ledger, a torn one is ignored by {@link #load}, and the
     * caller makes its next write a compaction, so nothing is appended after it.
     */
    void append(byte[] frames) throws IOException {
        if (journalEnd == 0) {
            startJournal();
        }
        try {
            if (journal == null) {
                journal = opener.open(journalFile(), Set.of(StandardOpenOption.WRITE));
            }
            ByteBuffer buffer = ByteBuffer.wrap(frames);
            long position = journalEnd;
            while (buffer.hasRemaining()) {
                position += journal.write(buffer, position);
            }
            journal.force(false);
            journalEnd = position;
        } catch (IOException e) {
            closeJournal();
            throw new IOException("cannot append to " + journalFile() + ": " + DurableFiles.reason(e), e);
        }
    }

    /**
     * Writes {@code entries} as the snapshot of the next generation, then an empty journal continuing it.
     * Each is whole on disk or not there at all; a failure leaves the files as they were. The snapshot is
     * encoded as it is written, a chunk at a time, never whole in memory.
     */
    void compact(Collection<LedgerEntry> entries) throws IOException {
        closeJournal();
        long next = generation + 1;
        long bytes = DurableFiles.replace(snapshotFile(), opener, channel -> {
            ByteArrayOutputStream chunk = new ByteArrayOutputStream(CHUNK + 512);
            chunk.writeBytes(LedgerCodec.header(LedgerCodec.SNAPSHOT_MAGIC, next));
            for (LedgerEntry entry : entries) {
                LedgerCodec.writeEntry(entry, chunk);
                if (chunk.size() >= CHUNK) {
                    DurableFiles.writeFully(channel, ByteBuffer.wrap(chunk.toByteArray()));
                    chunk.reset();
                }
            }
            LedgerCodec.writeEnd(entries.size(), chunk);
            DurableFiles.writeFully(channel, ByteBuffer.wrap(chunk.toByteArray()));
        });
        generation = next;
        snapshotBytes = bytes;
        journalEnd = 0;
        startJournal();
    }

    /** An empty journal of this generation, in place of whatever journal there was. */
    private void startJournal() throws IOException {
        byte[] header = LedgerCodec.header(LedgerCodec.JOURNAL_MAGIC, generation);
        DurableFiles.replace(journalFile(), opener, channel -> DurableFiles.writeFully(channel, ByteBuffer.wrap(header)));
        journalEnd = LedgerCodec.HEADER_BYTES;
    }

    void closeJournal() {
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException ignored) {
                // nothing was written through it that is not synced or given up
            }
            journal = null;
        }
    }
}
