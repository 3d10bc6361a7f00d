package io.fail2bancluster.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fanout stand-in on 127.0.0.1 that behaves as told: greets and answers {@code ping} like the
 * reference server, or says busy, or never greets, or closes before the ping reply. It records every
 * byte each connection sent, so tests can compare the client's writes byte for byte.
 */
final class FakeFanoutServer implements AutoCloseable {

    enum Behaviour {
        /** Greets, answers every ping with a unix timestamp line. */
        NORMAL,
        /** Greets, then sends a broadcast on {@code all}, a debug line and an over-long line before each ping reply. */
        NOISY,
        /** Says {@code debug!busy} and closes, as fanout does past its client limit. */
        BUSY,
        /** Accepts and never says anything. */
        SILENT,
        /** Greets, reads the announce, closes before answering the ping. */
        CLOSE_BEFORE_REPLY,
        /** Greets with something that is not fanout's greeting. */
        WRONG_GREETING
    }

    private final ServerSocket serverSocket;
    private final Behaviour behaviour;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<ByteArrayOutputStream> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedByClient = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    FakeFanoutServer(Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fake-fanout-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    FanoutDestination target() {
        return new FanoutDestination("127.0.0.1", port());
    }

    int connections() {
        return connections.get();
    }

    /** Connections that ended with the client closing its side (EOF on our read). */
    int closedByClient() {
        return closedByClient.get();
    }

    /** Everything connection {@code i} sent, decoded as UTF-8. */
    String received(int i) {
        return received.get(i).toString(StandardCharsets.UTF_8);
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                open.add(socket);
                connections.incrementAndGet();
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                received.add(log);
                Thread t = new Thread(() -> serve(socket, log), "fake-fanout-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket, ByteArrayOutputStream log) {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            switch (behaviour) {
                case BUSY -> {
                    send(out, "debug!busy\n");
                    return;
                }
                case SILENT -> {
                    drain(socket.getInputStream(), log);
                    return;
                }
                case WRONG_GREETING -> send(out, "SSH-2.0-OpenSSH_9.2\r\n");
                default -> send(out, "debug!connected...\n");
            }
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                log.write(b);
                if (b != '\n') {
                    line.append((char) b);
                    continue;
                }
                if (line.toString().equals("ping")) {
                    if (behaviour == Behaviour.CLOSE_BEFORE_REPLY) {
                        return;
                    }
                    if (behaviour == Behaviour.NOISY) {
                        send(out, "all!someone else's broadcast\ndebug!chatter\n" + "x".repeat(100_000) + "\n");
                    }
                    send(out, System.currentTimeMillis() / 1000 + "\n");
                }
                line.setLength(0);
            }
            closedByClient.incrementAndGet();
        } catch (IOException e) {
            // the client reset the connection: nothing more to record
        }
    }

    private void drain(InputStream in, ByteArrayOutputStream log) throws IOException {
        int b;
        while ((b = in.read()) >= 0) {
            log.write(b);
        }
        closedByClient.incrementAndGet();
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
