package io.fail2bancluster.agent.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * The agent's pid file: written whole or not at all (temp file + rename), read leniently, and judged
 * against the process table so a file left by a crash or a reboot never blocks a start.
 */
public final class PidFile {

    /** Who the file names. */
    public sealed interface Owner {
        /** No file, or nothing readable in it. */
        record None() implements Owner {
        }

        /** A live process that looks like an agent. */
        record Live(long pid) implements Owner {
        }

        /** A dead process, or one that is not an agent (the pid was reused), or ourselves. */
        record Stale(long pid) implements Owner {
        }
    }

    private final Path path;
    private final LongPredicate isLiveAgent;

    /** @param isLiveAgent whether a pid belongs to a running agent; see {@link AgentProcesses#isLiveAgent} */
    public PidFile(Path path, LongPredicate isLiveAgent) {
        this.path = path;
        this.isLiveAgent = isLiveAgent;
    }

    public static PidFile of(Path path) {
        return new PidFile(path, AgentProcesses::isLiveAgent);
    }

    public Path path() {
        return path;
    }

    /** The pid in the file, if there is a file holding a number. */
    public Optional<Long> read() throws IOException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(text);
            return pid > 0 ? Optional.of(pid) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public Owner owner() throws IOException {
        Optional<Long> pid = read();
        if (pid.isEmpty()) {
            return new Owner.None();
        }
        long p = pid.get();
        // In a container the agent may get the same pid on every boot: a file naming us is stale.
        boolean live = p != ProcessHandle.current().pid() && isLiveAgent.test(p);
        return live ? new Owner.Live(p) : new Owner.Stale(p);
    }

    /**
     * Writes {@code pid} so that a reader sees the old content or the new, never a partial file. The
     * parent folder must exist: creating {@code /var/run/...} folders is the packaging's business.
     */
    public void write(long pid) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes the file if it still names {@code pid}: a newer agent's file is left alone. */
    public boolean deleteIfOwnedBy(long pid) throws IOException {
        if (read().filter(p -> p == pid).isPresent()) {
            return Files.deleteIfExists(path);
        }
        return false;
    }

    public boolean delete() throws IOException {
        return Files.deleteIfExists(path);
    }
}
