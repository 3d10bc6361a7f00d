package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import io.fail2bancluster.broker.BrokerMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A fanout server as a real process on 127.0.0.1: our broker ({@link BrokerMain}) or the reference C
 * server. Tests learn what it holds the way an operator would, by asking it {@code info}.
 */
final class FanoutServer implements AutoCloseable {
    /** The reference server formats its port into five bytes, so it needs a port below 10000. */
    private static final int REFERENCE_PORT_MIN = 7000;
    private static final int REFERENCE_PORT_MAX = 9999;

    private final String name;
    private final JavaProcess process;
    private final int port;

    private FanoutServer(String name, JavaProcess process, int port) {
        this.name = name;
        this.process = process;
        this.port = port;
    }

    /** Our broker on a port the kernel picks. */
    static FanoutServer broker() {
        return brokerOn(0);
    }

    /** Our broker on {@code port} (0: any), e.g. again on the port of one that was killed. */
    static FanoutServer brokerOn(int port) {
        return listening(startBroker(port));
    }

    /** Our broker on a port the kernel picks, with more options, e.g. {@code --metrics=PORT}. */
    static FanoutServer brokerWith(String... options) {
        List<String> args = new ArrayList<>(List.of("--bind=127.0.0.1", "--port=0", "--threads=1"));
        args.addAll(List.of(options));
        return listening(JavaProcess.start("broker", BrokerMain.class, args.toArray(String[]::new)));
    }

    /** {@code count} brokers on ports the kernel picks, started side by side (JVM start-up is the slow part). */
    static List<FanoutServer> brokers(int count) {
        List<JavaProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(startBroker(0));
        }
        List<FanoutServer> brokers = new ArrayList<>();
        try {
            for (JavaProcess process : started) {
                brokers.add(listening(process));
            }
            return brokers;
        } catch (RuntimeException | AssertionError e) {
            started.forEach(JavaProcess::close);
            throw e;
        }
    }

    private static JavaProcess startBroker(int port) {
        return JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=" + port, "--threads=1");
    }

    /**
     * Waits for a broker process started with {@code --bind=127.0.0.1} to say where it listens and
     * returns the port. It reads the stdout line, not the log line on stderr that says the same with
     * more after the port: either may come first.
     */
    static int awaitListeningPort(JavaProcess broker, Duration within) {
        String listening = broker.awaitLine(l -> l.startsWith("fail2ban-cluster-broker listening on 127.0.0.1:"), within);
        return Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1).trim());
    }

    /** The broker once it says where it listens; killed if it never does. */
    private static FanoutServer listening(JavaProcess process) {
        try {
            return new FanoutServer("broker", process, awaitListeningPort(process, Cluster.WAIT));
        } catch (RuntimeException | AssertionError e) {
            process.close();
            throw e;
        }
    }

    /**
     * The reference C server ({@code binary}) on a free port in 7000-9999 (it listens on every address),
     * once it answers. It exits when its port is taken meanwhile; then another port is tried.
     */
    static FanoutServer reference(Path binary, String... options) throws IOException {
        AssertionError lastFailure = null;
        for (int tries = 0; tries < 5; tries++) {
            try {
                return referenceOn(binary, freeReferencePort(), options);
            } catch (PortTaken taken) {
                lastFailure = taken;
            }
        }
        throw lastFailure;
    }

    /** The reference server exited at once: most likely its port was taken meanwhile. */
    private static final class PortTaken extends AssertionError {
        PortTaken(String message) {
            super(message);
        }
    }

    /** The reference C server on {@code port}, once it answers. */
    private static FanoutServer referenceOn(Path binary, int port, String... options) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--port=" + port));
        command.addAll(List.of(options));
        JavaProcess process = JavaProcess.startCommand("fanout", command, null);
        FanoutServer server = new FanoutServer("fanout", process, port);
        try {
            await().atMost(Cluster.WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> !process.isAlive() || server.info() != null);
        } catch (ConditionTimeoutException e) {
            server.close();
            throw new AssertionError("fanout never answered on port " + port + ":\n" + process.output(), e);
        }
        if (!process.isAlive()) {
            server.close();
            throw new PortTaken("fanout exited on port " + port + ":\n" + process.output());
        }
        return server;
    }

    /**
     * The server the catch-up tests run against: the reference C server when {@code -Dfanout.binary} names
     * one, else our broker (so CI, which has no reference binary, runs them too). {@code port} 0: any free one;
     * else that port, e.g. to restart it where its clients reconnect.
     */
    static FanoutServer underTest(int port) throws IOException {
        String binary = System.getProperty(FanoutInteropIT.PROPERTY, "");
        if (binary.isBlank()) {
            return brokerOn(port);
        }
        return port == 0 ? reference(Path.of(binary)) : referenceOn(Path.of(binary), port);
    }

    /** Which server {@link #underTest} starts, for the tests' output. */
    static String underTestName() {
        String binary = System.getProperty(FanoutInteropIT.PROPERTY, "");
        return binary.isBlank() ? "our broker" : "the reference fanout " + binary;
    }

    private static int freeReferencePort() throws IOException {
        for (int tries = 0; tries < 100; tries++) {
            int candidate = ThreadLocalRandom.current().nextInt(REFERENCE_PORT_MIN, REFERENCE_PORT_MAX + 1);
            try (ServerSocket probe = new ServerSocket(candidate)) {
                return probe.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in " + REFERENCE_PORT_MIN + "-" + REFERENCE_PORT_MAX);
    }

    int port() {
        return port;
    }

    /** host:port as the client and the agent name it in their messages. */
    String address() {
        return "127.0.0.1:" + port;
    }

    /**
     * The server's answer to {@code info}, one {@code key: value} line each. Our connection adds one
     * client with its implicit {@code all} subscription, which the user-requested count leaves out.
     */
    List<String> info() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String greeting = in.readLine();
            if (!"debug!connected...".equals(greeting)) {
                throw new IOException(name + " greeted with " + greeting);
            }
            OutputStream out = socket.getOutputStream();
            out.write("info\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("total pings:")) {
                    return lines;
                }
            }
            throw new IOException(name + " closed in the middle of info: " + lines);
        }
    }

    /** {@code user-requested subscriptions} from {@code info}: every subscribe beyond the implicit {@code all}. */
    int userRequestedSubscriptions() throws IOException {
        String prefix = "user-requested subscriptions: ";
        for (String line : info()) {
            if (line.startsWith(prefix)) {
                return Integer.parseInt(line.substring(prefix.length()).trim());
            }
        }
        throw new IOException(name + " info has no '" + prefix + "'");
    }

    /** Waits until subscribers asked for {@code count} channels here: the agent's subscribe went through. */
    void awaitSubscriptions(int count) {
        try {
            await().atMost(Cluster.WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> userRequestedSubscriptions() == count);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " on " + port + " never had " + count + " subscription(s):\n"
                    + process.output(), e);
        }
    }

    /** SIGKILL: the server vanishes as in a crash, with no goodbye to its subscribers. */
    void kill() {
        process.kill();
    }

    String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
