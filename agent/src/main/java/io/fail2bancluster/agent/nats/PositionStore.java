package io.fail2bancluster.agent.nats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Properties;

/**
 * Stream positions under {@code state_dir}, one small file per stream ({@code nats-<key>.position}). A write
 * is atomic and durable: the new content goes to a temporary file in the same directory, is forced to disk,
 * renamed over the old file, and the directory is forced too, so after a crash or power loss the file holds
 * either the old position or the new one, never a torn mix. Blocking file I/O: call it off the event loop.
 *
 * <p>Only this class writes these files; a file that cannot be read back (edited by hand, truncated by a
 * failing disk) is an {@link IOException} naming it, never a silent restart from scratch, which would run
 * every active ban again.
 */
public final class PositionStore {
    private static final String SUFFIX = ".position";

    private final Path dir;

    public PositionStore(Path stateDir) {
        this.dir = stateDir;
    }

    /**
     * The file name part for a stream on a cluster: {@code <stream>@<cluster>}, with anything but letters,
     * digits, {@code _ - . @} written as {@code _}. The cluster's name (not its URLs, which an operator may
     * add to or reorder) tells two clusters' streams of one name apart.
     */
    public static String key(String stream, String cluster) {
        String raw = stream + "@" + (cluster == null || cluster.isEmpty() ? "standalone" : cluster);
        StringBuilder key = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.' || c == '@';
            key.append(plain ? c : '_');
        }
        return key.toString();
    }

    Path file(String key) {
        return dir.resolve("nats-" + key + SUFFIX);
    }

    /** The stored position, or empty when this host has none (new, or its state_dir was wiped). */
    public Optional<StreamPosition> read(String key) throws IOException {
        Path file = file(key);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        properties.load(new java.io.StringReader(text));
        String created = properties.getProperty("stream_created");
        String sequence = properties.getProperty("sequence");
        try {
            return Optional.of(new StreamPosition(Instant.parse(created), Long.parseLong(sequence)));
        } catch (DateTimeParseException | NumberFormatException | NullPointerException e) {
            throw new IOException(file + ": not a stream position (stream_created and sequence expected); "
                    + "remove it to start this stream afresh (every active ban runs again)", e);
        }
    }

    /** Replaces the stored position, atomically and durably. */
    public void write(String key, StreamPosition position) throws IOException {
        Files.createDirectories(dir);
        Path file = file(key);
        Path temporary = dir.resolve("." + file.getFileName() + ".tmp");
        byte[] content = ("stream_created=" + position.streamCreated() + "\nsequence=" + position.sequence() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temporary);
            throw new IOException(dir + ": cannot replace a file atomically there; state_dir must be a local "
                    + "file system", e);
        }
        // the rename itself is only durable once the directory is on disk
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
