package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.util.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * A disk with a given room left: writes through the channels it opens succeed until that room is used up, then
 * write what still fits (a torn write) and fail as the kernel does, with ENOSPC's message. {@link #room} again
 * and writes succeed again.
 */
final class FullDisk implements DurableFiles.Opener {
    static final String ENOSPC = "No space left on device";
    private long room = Long.MAX_VALUE;
    private final java.util.concurrent.atomic.AtomicInteger forces = new java.util.concurrent.atomic.AtomicInteger();

    private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();

    /** How many writes failed for want of room. */
    int failures() {
        return failures.get();
    }

    /** How many times a file was synced through this disk's channels. */
    int forces() {
        return forces.get();
    }

    /** Bytes that may still be written; {@code Long.MAX_VALUE} for as many as wanted. */
    synchronized void room(long bytes) {
        room = bytes;
    }

    private synchronized int take(int wanted) {
        int granted = (int) Math.min(wanted, room);
        room -= granted;
        return granted;
    }

    @Override
    public FileChannel open(Path file, Set<? extends OpenOption> options) throws IOException {
        return new Channel(FileChannel.open(file, options));
    }

    private final class Channel extends FileChannel {
        private final FileChannel real;

        Channel(FileChannel real) {
            this.real = real;
        }

        private int write(ByteBuffer source, long position, boolean positional) throws IOException {
            int wanted = source.remaining();
            int granted = take(wanted);
            ByteBuffer part = source.duplicate();
            part.limit(part.position() + granted);
            int written = positional ? real.write(part, position) : real.write(part);
            source.position(source.position() + written);
            if (granted < wanted) {
                failures.incrementAndGet();
                throw new IOException(ENOSPC);
            }
            return written;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return write(src, 0, false);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return write(src, position, true);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += write(srcs[i]);
            }
            return total;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            forces.incrementAndGet();
            real.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
