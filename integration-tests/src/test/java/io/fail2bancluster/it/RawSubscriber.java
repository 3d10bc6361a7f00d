package io.fail2bancluster.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A subscriber that speaks the fanout protocol by hand over a plain socket and keeps the exact bytes
 * it receives, so tests see what a C client of the reference server would see. It synchronises with
 * a {@code ping}: the server answers commands in order, so once the reply is in, everything sent
 * before it has been handled.
 */
final class RawSubscriber implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    RawSubscriber(int port, String channel) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        in = socket.getInputStream();
        String greeting = readLine();
        if (!greeting.equals("debug!connected...\n")) {
            throw new IOException("expected the greeting, got " + greeting);
        }
        send("subscribe " + channel + "\n");
        String beforeReply = receivedUntilPingReply();
        if (!beforeReply.isEmpty()) {
            throw new IOException("unexpected lines after subscribing: " + beforeReply);
        }
    }

    /** The next line, {@code \n} included, exactly as received (waits up to 10 s). */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
        }
        throw new IOException("server closed the connection; partial line: " + line);
    }

    /**
     * Sends a ping and returns every byte that arrived before its reply: what the server delivered to
     * us up to now that we had not read yet.
     */
    String receivedUntilPingReply() throws IOException {
        send("ping\n");
        StringBuilder received = new StringBuilder();
        while (true) {
            String line = readLine();
            if (line.matches("[0-9]+\n")) {
                return received.toString();
            }
            received.append(line);
        }
    }

    /** {@code announce CHANNEL MESSAGE}, as any publisher (or a replay of one) writes it. */
    void announce(String channel, String message) throws IOException {
        send("announce " + channel + " " + message + "\n");
    }

    private void send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
