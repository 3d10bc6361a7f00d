package io.fail2bancluster.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The broker bench's load, in a process of its own (not the server's): N subscriber connections read by one
 * selector thread that counts {@code \n}s, and one publisher connection that writes 64-byte announces
 * {@code perWrite} per write. The publisher stays at most {@link #WINDOW} announces ahead of what the
 * subscribers have read, so neither server under test buffers without bound (the raw fan-out has no limit);
 * the rate measured is what server and readers sustain together. {@link FloodBench} drops the window.
 * Args: port subscribers perWrite warmupSeconds measureSeconds. Prints {@code lines <n> seconds <s> closed <c>}.
 */
public final class FanoutLoad {
    static final String ANNOUNCE = "announce bench jail=sshd, action=banip, ip=192.0.2.7, n=0123456\n";
    private static final long WINDOW = 2_000;

    private FanoutLoad() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        int perWrite = Integer.parseInt(args[2]);
        long warmupNanos = Long.parseLong(args[3]) * 1_000_000_000L;
        long measureNanos = Long.parseLong(args[4]) * 1_000_000_000L;
        if (ANNOUNCE.length() != 64) {
            throw new IllegalStateException("the announce is " + ANNOUNCE.length() + " bytes, not 64");
        }
        Selector selector = Selector.open();
        byte[] subscribe = "subscribe bench\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < n; i++) {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            channel.write(ByteBuffer.wrap(subscribe));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
        }
        SocketChannel publisher = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        publisher.socket().setTcpNoDelay(true);
        Thread.sleep(1000); // the subscribes are processed before anything is published
        ByteBuffer batch = ByteBuffer.allocate(ANNOUNCE.length() * perWrite);
        for (int i = 0; i < perWrite; i++) {
            batch.put(ANNOUNCE.getBytes(StandardCharsets.US_ASCII));
        }
        batch.flip();

        ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long measureTo = measureFrom + measureNanos;
        long sent = 0;
        long totalLines = -n; // the greetings
        long linesAtMeasureStart = Long.MIN_VALUE;
        int closed = 0;
        while (true) {
            long now = System.nanoTime();
            if (linesAtMeasureStart == Long.MIN_VALUE && now >= measureFrom) {
                linesAtMeasureStart = totalLines;
            }
            if (now >= measureTo) {
                break;
            }
            while ((sent - totalLines / Math.max(1, n - closed)) < WINDOW) {
                ByteBuffer out = batch.duplicate();
                while (out.hasRemaining()) {
                    publisher.write(out);
                }
                sent += perWrite;
            }
            selector.select(10);
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel channel = (SocketChannel) key.channel();
                int read;
                while ((read = channel.read(buffer)) > 0) {
                    for (int i = 0; i < read; i++) {
                        if (buffer.get(i) == '\n') {
                            totalLines++;
                        }
                    }
                    buffer.clear();
                }
                if (read < 0) {
                    key.cancel();
                    closed++;
                }
            }
            selector.selectedKeys().clear();
        }
        System.out.println("lines " + (totalLines - linesAtMeasureStart) + " seconds " + measureNanos / 1e9
                + " closed " + closed);
        System.out.flush();
        System.exit(0);
    }
}
