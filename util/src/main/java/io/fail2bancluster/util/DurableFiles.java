package io.fail2bancluster.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file replaced so that a crash, a power loss or a full disk leaves the old content or the new, never a mix:
 * the new content goes to a temporary file beside it ({@code .NAME.tmp}, owner-only from its creation), is
 * synced, renamed over the file, and the folder is synced so the rename itself is on disk. On a failure the
 * temporary file goes and the file is as it was. Blocking: never on an event loop.
 *
 * <p>The one place for these steps: the ledger's snapshot uses it; the NATS stream positions and the outbox's
 * entries take the same steps and are to use it too.
 */
public final class DurableFiles {
    /** Opens a file for writing; a test passes one whose writes fail as a full disk's do. */
    @FunctionalInterface
    public interface Opener {
        FileChannel open(Path file, Set<? extends OpenOption> options) throws IOException;
    }

    /** Writes the new content; called once, with the temporary file's channel. */
    @FunctionalInterface
    public interface Content {
        void writeTo(WritableByteChannel channel) throws IOException;
    }

    /** The file system itself. */
    public static final Opener DISK = FileChannel::open;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private DurableFiles() {
    }

    /**
     * Replaces {@code file} with what {@code content} writes, through {@code opener}. Returns the new size.
     *
     * @throws IOException "cannot write FILE: REASON" (a full disk says "No space left on device"); the file is
     *                     then as it was and no temporary file is left
     */
    public static long replace(Path file, Opener opener, Content content) throws IOException {
        Path temporary = temporary(file);
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, OWNER_ONLY);
            long size;
            try (FileChannel channel = opener.open(temporary, Set.of(StandardOpenOption.WRITE))) {
                content.writeTo(channel);
                channel.force(true);
                size = channel.size();
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.toAbsolutePath().getParent());
            return size;
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temporary);
            throw new IOException(file.getParent() + ": cannot replace a file atomically there; it must be on a "
                    + "local file system", e);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the next replace of this file removes it first
            }
            throw new IOException("cannot write " + file + ": " + reason(e), e);
        }
    }

    /** Writes all of {@code bytes}, however many calls that takes. */
    public static void writeFully(WritableByteChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** A rename, creation or removal in {@code dir} is durable only once the folder itself is synced. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Where {@link #replace} writes before the rename; a crash may leave it, for its owner to remove. */
    public static Path temporary(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".tmp");
    }

    /** An I/O failure's own words ("No space left on device"), or its kind when it has none. */
    public static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
