package io.fail2bancluster.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code publish --agent}: hands the message to the local fail2ban-clusterd over its control socket
 * ({@code publish CHANNEL MESSAGE}); the agent answers {@code ok} once it has the message on disk in its
 * outbox, and delivers it to every server that carries the channel. The client then has nothing more to
 * do. The exchange is the control socket's: one request line, then the reply up to an empty line.
 */
final class AgentHandOver {
    private static final int MAX_REPLY_BYTES = 64 * 1024;

    private AgentHandOver() {
    }

    /**
     * @return empty when the agent took the message; else why not, for the error line
     */
    static Optional<String> publish(Path socket, String channel, String message, Duration timeout) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "agent-timeout");
            thread.setDaemon(true);
            return thread;
        });
        try (SocketChannel agent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // a blocking Unix socket has no read timeout: closing it ends a read that waits too long
            watchdog.schedule(() -> close(agent), timeout.toMillis(), TimeUnit.MILLISECONDS);
            agent.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = ByteBuffer.wrap(("publish " + channel + " " + message + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (request.hasRemaining()) {
                agent.write(request);
            }
            String status = firstLine(agent);
            if (status.equals("ok")) {
                return Optional.empty();
            }
            return Optional.of("the agent on " + socket + " did not take it: "
                    + (status.startsWith("error ") ? status.substring("error ".length()) : "answered " + status));
        } catch (IOException e) {
            return Optional.of("no agent answers on " + socket + " within " + Deadlines.format(timeout) + " ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        } finally {
            watchdog.shutdownNow();
        }
    }

    private static String firstLine(SocketChannel agent) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (reply.size() < MAX_REPLY_BYTES) {
            buffer.clear();
            int n = agent.read(buffer);
            if (n < 0) {
                break;
            }
            reply.write(buffer.array(), 0, n);
            String text = reply.toString(StandardCharsets.UTF_8);
            if (text.contains("\n\n")) {
                break;
            }
        }
        String text = reply.toString(StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            throw new IOException("it closed without an answer");
        }
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing was all we wanted
        }
    }
}
