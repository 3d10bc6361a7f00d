package io.fail2bancluster.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private {@code nats-server -js} for the load test and the benches: 127.0.0.1, a free port, its store in a temporary
 * directory that closing removes, with the server.
 */
public final class NatsServerProcess implements AutoCloseable {
    private static final List<String> BINARIES = List.of("/usr/sbin/nats-server", "/usr/bin/nats-server",
            "/usr/local/bin/nats-server");

    private final Process process;
    private final int port;
    private final Path dir;

    private NatsServerProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts one and returns once it accepts connections; throws, with its log, if it does not within {@code timeout}. */
    public static NatsServerProcess start(Duration timeout) {
        Path binary = binary().orElseThrow(() -> new IllegalStateException("--nats: no nats-server in " + BINARIES
                        + " (apt-get install nats-server), or give a running one with --nats-url"));
        try {
            Path dir = Files.createTempDirectory("f2bc-loadtest-nats");
            int port = freePort();
            Path log = dir.resolve("nats-server.log");
            Process process = new ProcessBuilder(binary.toString(), "-js", "-a", "127.0.0.1", "-p", String.valueOf(port),
                    "-sd", dir.resolve("store").toString(), "-l", log.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nats-server.out").toFile()).start();
            NatsServerProcess server = new NatsServerProcess(process, port, dir);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!accepts(port)) {
                if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                    String output = Files.exists(log) ? Files.readString(log) : "";
                    server.close();
                    throw new IllegalStateException("nats-server did not start within " + timeout.toSeconds()
                            + " s:\n" + output);
                }
                Thread.sleep(50);
            }
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start nats-server: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while nats-server started", e);
        }
    }

    /** Debian's nats-server, or another where packages put it; empty when none is installed. */
    public static Optional<Path> binary() {
        return BINARIES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** Whether a server accepts connections on 127.0.0.1:{@code port}. */
    public static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind: nothing to report it to
        }
    }
}
