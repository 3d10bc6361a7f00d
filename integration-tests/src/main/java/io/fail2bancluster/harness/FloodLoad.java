package io.fail2bancluster.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A flood against any fanout server, in a process of its own: {@code N} subscribers on channel {@code flood},
 * read by one selector thread as fast as it can, and one publisher thread that writes numbered
 * {@code announce} lines as fast as TCP takes them (blocking writes, no pacing, no replies awaited). Each
 * subscriber checks that the numbers it gets are gap-free and in order. After the measured window the
 * publisher stops, and the subscribers still open are given up to {@link #DRAIN_SECONDS} s to receive the
 * rest.
 *
 * <p>Args: {@code port subscribers warmupSeconds measureSeconds}. Prints {@code flood subscribed <n>} once
 * the subscribes are sent and, at the end, one line:
 * {@code flood deliveries <in window> seconds <s> published <p> closed <c> gaps <g> complete <k>}: closed
 * counts subscribers the server closed, gaps those that got a number out of order, complete those that got
 * every number published.
 */
public final class FloodLoad {
    /** 64 bytes with the newline, as the broker bench's announces; the number has room for 10^9 lines. */
    static final String PREFIX = "announce flood jail=sshd,action=banip,ip=192.0.2.77,n=";
    static final int DIGITS = 9;
    private static final int LINE = PREFIX.length() + DIGITS + 1;
    private static final int LINES_PER_WRITE = 256;
    private static final int DRAIN_SECONDS = 10;

    /** One subscriber's progress: the number it expects next, and the digits of the line being read. */
    private static final class Subscriber {
        long expected;
        long value;
        boolean inNumber;
        boolean gap;
        boolean closed;

        /** Returns how many lines ended in {@code bytes[0..n)}. */
        long consume(ByteBuffer bytes, int n) {
            long lines = 0;
            for (int i = 0; i < n; i++) {
                byte b = bytes.get(i);
                if (b == '\n') {
                    if (inNumber) {
                        gap |= value != expected;
                        expected = value + 1;
                        lines++;
                    }
                    inNumber = false;
                } else if (b == '=') {
                    inNumber = true;
                    value = 0;
                } else if (inNumber) {
                    if (b >= '0' && b <= '9') {
                        value = value * 10 + (b - '0');
                    } else {
                        inNumber = false;
                    }
                }
            }
            return lines;
        }
    }

    private FloodLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        long warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
        long measureNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        if (LINE != 64) {
            throw new IllegalStateException("an announce is " + LINE + " bytes, not 64");
        }
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        Selector selector = Selector.open();
        List<Subscriber> subscribers = new ArrayList<>();
        byte[] subscribe = "subscribe flood\nping\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < n; i++) {
            SocketChannel channel = SocketChannel.open(server);
            channel.write(ByteBuffer.wrap(subscribe));
            channel.configureBlocking(false);
            Subscriber subscriber = new Subscriber();
            subscribers.add(subscriber);
            channel.register(selector, SelectionKey.OP_READ, subscriber);
        }
        // every subscriber's ping is answered after its subscribe: then the first announce reaches them all
        awaitPingReplies(selector, n);
        System.out.println("flood subscribed " + n);
        System.out.flush();

        Publisher publisher = new Publisher(server);
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long measureTo = measureFrom + measureNanos;
        publisher.start();
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        long lines = 0;
        long linesAtMeasureStart = -1;
        long linesInWindow = 0;
        long drainUntil = Long.MAX_VALUE;
        while (true) {
            long now = System.nanoTime();
            if (linesAtMeasureStart < 0 && now >= measureFrom) {
                linesAtMeasureStart = lines;
            }
            if (now >= measureTo && drainUntil == Long.MAX_VALUE) {
                linesInWindow = lines - linesAtMeasureStart;
                publisher.finish();
                drainUntil = now + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
            }
            if (now >= drainUntil
                    || (!publisher.isAlive() && drainUntil != Long.MAX_VALUE && allComplete(subscribers, publisher.published))) {
                break;
            }
            selector.select(10);
            for (SelectionKey key : selector.selectedKeys()) {
                lines += read(key, buffer);
            }
            selector.selectedKeys().clear();
        }
        long closed = subscribers.stream().filter(s -> s.closed).count();
        long gaps = subscribers.stream().filter(s -> s.gap).count();
        long complete = subscribers.stream().filter(s -> !s.gap && s.expected == publisher.published).count();
        System.out.println("flood deliveries " + linesInWindow + " seconds " + measureNanos / 1e9
                + " published " + publisher.published + " closed " + closed + " gaps " + gaps + " complete " + complete
                + (publisher.failure == null ? "" : " (publisher: " + publisher.failure + ")"));
        System.out.flush();
        System.exit(0);
    }

    private static boolean allComplete(List<Subscriber> subscribers, long published) {
        return subscribers.stream().allMatch(s -> s.closed || s.gap || s.expected == published);
    }

    private static long read(SelectionKey key, ByteBuffer buffer) {
        Subscriber subscriber = (Subscriber) key.attachment();
        SocketChannel channel = (SocketChannel) key.channel();
        long lines = 0;
        try {
            // one read per subscriber per round, as hosts of their own would read side by side: draining each
            // to the end in turn would leave the last ones unread for as long as the others take
            buffer.clear();
            int read = channel.read(buffer);
            if (read > 0) {
                lines += subscriber.consume(buffer, read);
            } else if (read < 0) {
                closeKey(key, subscriber);
            }
        } catch (IOException reset) {
            closeKey(key, subscriber);
        }
        return lines;
    }

    private static void closeKey(SelectionKey key, Subscriber subscriber) {
        subscriber.closed = true;
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // it is gone either way
        }
    }

    /** Reads until {@code n} ping replies (a line of digits only) arrived, or fails after a minute. */
    private static void awaitPingReplies(Selector selector, int n) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        int replies = 0;
        while (replies < n) {
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + replies + " of " + n + " subscribers were answered within a minute");
            }
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                buffer.clear();
                int read = ((SocketChannel) key.channel()).read(buffer);
                if (read < 0) {
                    throw new IOException("the server closed a subscriber before it was subscribed");
                }
                for (String line : new String(buffer.array(), 0, read, StandardCharsets.US_ASCII).split("\n")) {
                    if (!line.isEmpty() && line.chars().allMatch(Character::isDigit)) {
                        replies++;
                    }
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** Writes numbered announces, {@link #LINES_PER_WRITE} per write, until stopped; blocking writes. */
    private static final class Publisher extends Thread {
        private final InetSocketAddress server;
        private volatile boolean stopped;
        volatile long published;
        volatile String failure;

        Publisher(InetSocketAddress server) {
            super("flood-publisher");
            this.server = server;
        }

        @Override
        public void run() {
            byte[] prefix = PREFIX.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer batch = ByteBuffer.allocateDirect(LINE * LINES_PER_WRITE);
            try {
                // Left open until the process ends: closing a socket with unread input (the greeting) sends
                // a reset, and the server would drop the announces it had not read yet.
                SocketChannel channel = SocketChannel.open(server);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                long next = 0;
                while (!stopped) {
                    batch.clear();
                    for (int i = 0; i < LINES_PER_WRITE; i++) {
                        batch.put(prefix);
                        long number = next + i;
                        for (int d = DIGITS - 1; d >= 0; d--) {
                            batch.put(batch.position() + d, (byte) ('0' + number % 10));
                            number /= 10;
                        }
                        batch.position(batch.position() + DIGITS).put((byte) '\n');
                    }
                    batch.flip();
                    while (batch.hasRemaining()) {
                        channel.write(batch);
                    }
                    next += LINES_PER_WRITE;
                    published = next;
                }
                channel.shutdownOutput();
            } catch (IOException e) {
                failure = e.toString();
            }
        }

        /** Stops after the write under way, which back-pressure may hold until the subscribers read on. */
        void finish() {
            stopped = true;
        }
    }
}
