package io.fail2bancluster.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code nats-server -js} on a free 127.0.0.1 port, its store in a temporary directory of its own,
 * which {@link #close} kills and deletes. The benches that measure a NATS path start one.
 */
final class NatsServerProcess implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/nats-server");
    private static final long READY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Process process;
    private final Path store;
    private final int port;

    private NatsServerProcess(Process process, Path store, int port) {
        this.process = process;
        this.store = store;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Started and accepting connections; fails after 30 s. */
    static NatsServerProcess start(String prefix) throws IOException, InterruptedException {
        Path store = Files.createTempDirectory(prefix);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process process = new ProcessBuilder(BINARY.toString(), "-js", "-a", "127.0.0.1", "-p", String.valueOf(port),
                "-sd", store.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        NatsServerProcess server = new NatsServerProcess(process, store, port);
        long deadline = System.nanoTime() + READY_NANOS;
        while (System.nanoTime() - deadline < 0) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return server;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        server.close();
        throw new IOException("nats-server did not listen on 127.0.0.1:" + port + " within 30 s");
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        try (var files = Files.walk(store)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
