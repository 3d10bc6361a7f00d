package io.fail2bancluster.agent.catchup;

import io.fail2bancluster.util.BlockingThreads;
import io.fail2bancluster.util.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Until when this host last held each channel of each fanout server (connected, subscribed, lines arriving),
 * kept in {@code state_dir/catchup.held} through restarts: what a catch-up request asks for is what came
 * since. One line per server and channel, {@code host:port channel epoch-millis}, replaced whole (temporary
 * file, sync, rename) at most every {@link #WRITE_EVERY_SECONDS} s by its own thread and once at
 * {@link #close}. After kill -9 it is at most that stale, so the next request asks for a few seconds more.
 * {@link #get} and {@link #record} are safe on the event loop: memory only.
 */
public final class HeldStore implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(HeldStore.class);
    static final String FILE = "catchup.held";
    static final int WRITE_EVERY_SECONDS = 5;

    private final Path file;
    private final Map<String, Long> held = new ConcurrentHashMap<>();
    private volatile boolean dirty;
    private ScheduledExecutorService writer;
    private String failing;

    private HeldStore(Path file) {
        this.file = file;
    }

    /** Reads what the last run left in {@code stateDir}; a missing file is a host that never held a channel. */
    public static HeldStore open(Path stateDir) throws IOException {
        HeldStore store = new HeldStore(stateDir.resolve(FILE));
        try {
            for (String line : Files.readAllLines(store.file, StandardCharsets.UTF_8)) {
                String[] parts = line.split(" ");
                if (parts.length == 3) {
                    try {
                        store.held.put(parts[0] + " " + parts[1], Long.parseLong(parts[2]));
                    } catch (NumberFormatException e) {
                        LOG.warn("{}: ignoring the line {} (not epoch milliseconds)", store.file, line);
                    }
                }
            }
        } catch (NoSuchFileException fresh) {
            // nothing held yet: every channel asks for everything in force
        }
        return store;
    }

    /** Starts the writer thread. */
    public void start() {
        writer = Executors.newSingleThreadScheduledExecutor(BlockingThreads.named("catchup-held"));
        writer.scheduleWithFixedDelay(this::writeIfChanged, WRITE_EVERY_SECONDS, WRITE_EVERY_SECONDS, TimeUnit.SECONDS);
    }

    /** Until when {@code server} last held {@code channel}; empty when never. */
    public Optional<Instant> get(String server, String channel) {
        Long millis = held.get(server + " " + channel);
        return millis == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }

    /** {@code server} held {@code channel} until {@code until} (never moves back). */
    public void record(String server, String channel, Instant until) {
        held.merge(server + " " + channel, until.toEpochMilli(), Math::max);
        dirty = true;
    }

    private void writeIfChanged() {
        if (!dirty) {
            return;
        }
        dirty = false;
        StringBuilder text = new StringBuilder();
        new TreeMap<>(held).forEach((key, millis) -> text.append(key).append(' ').append(millis).append('\n'));
        try {
            DurableFiles.replace(file, DurableFiles.DISK, channel ->
                    DurableFiles.writeFully(channel, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8))));
            if (failing != null) {
                LOG.info("{} is written again", file);
                failing = null;
            }
        } catch (IOException e) {
            dirty = true;
            if (failing == null) {
                failing = e.getMessage();
                LOG.warn("{}; retried every {} s (a restart may then ask the fleet for a little more)", failing,
                        WRITE_EVERY_SECONDS);
            }
        }
    }

    /** Stops the writer and writes what changed since its last write. */
    @Override
    public void close() {
        if (writer != null) {
            writer.shutdown();
            try {
                writer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writeIfChanged();
    }
}
