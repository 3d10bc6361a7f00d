package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.util.BlockingThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The control socket's line protocol, shared by the agent ({@link ControlServer}) and the command line
 * ({@link ControlClient}).
 *
 * <p>One request per connection: a command word and {@code \n} ({@code status}, {@code reload}), or a word
 * with its argument ({@code publish CHANNEL MESSAGE}). The answer is {@code ok} or {@code error <text>} on its first line, then {@code key: value}
 * lines, then an empty line, then the agent closes the connection. Keys are lower case with dots and
 * underscores; values are single lines. Readers ignore keys they do not know, so keys can be added.
 */
final class ControlProtocol {
    static final String OK = "ok";
    static final String ERROR = "error";
    static final int MAX_REQUEST_BYTES = 1024;
    static final int MAX_REPLY_BYTES = 1 << 20;
    /** Room for {@code publish} and the channel name beside the longest line a server takes. */
    private static final int PUBLISH_OVERHEAD = 256;
    static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(5);

    /** Closes a connection whose peer stalls: a blocking read then fails instead of hanging. */
    private static final ScheduledExecutorService WATCHDOG =
            Executors.newSingleThreadScheduledExecutor(BlockingThreads.named("control-socket-watchdog"));

    private ControlProtocol() {
    }

    /** The longest request once {@code publish} is served: a message may be as long as a server's line. */
    static int publishRequestLimit(int maxLine) {
        return Math.max(MAX_REQUEST_BYTES, maxLine + PUBLISH_OVERHEAD);
    }

    static ScheduledFuture<?> closeAfter(SocketChannel channel, Duration timeout) {
        return WATCHDOG.schedule(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Reads until {@code terminator} (the bytes before it, decoded as UTF-8) or end of stream.
     *
     * @throws IOException when more than {@code maxBytes} arrive without the terminator
     */
    static String readUntil(SocketChannel channel, String terminator, int maxBytes) throws IOException {
        byte[] end = terminator.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (channel.read(buffer) >= 0) {
            buffer.flip();
            received.write(buffer.array(), 0, buffer.limit());
            buffer.clear();
            int at = indexOf(received.toByteArray(), end);
            if (at >= 0) {
                return new String(received.toByteArray(), 0, at, StandardCharsets.UTF_8);
            }
            if (received.size() > maxBytes) {
                throw new IOException("more than " + maxBytes + " bytes without an end");
            }
        }
        return received.toString(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static void writeAll(SocketChannel channel, String text) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }
}
