package io.fail2bancluster.harness;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.util.BlockingCallGuard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A broker in its own JVM (the load harness must not measure its own loops against a broker sharing
 * them), started from this JVM's class path on 127.0.0.1 and a free port. Closing kills it.
 */
final class BrokerProcess implements AutoCloseable {
    /** Its stdout line; the log line on stderr says the same and more after the port, and may come first. */
    private static final String LISTENING = "fail2ban-cluster-broker listening on 127.0.0.1:";
    private static final int TAIL_LINES = 50;

    private final Process process;
    private final int port;
    private final Deque<String> tail;

    private BrokerProcess(Process process, int port, Deque<String> tail) {
        this.process = process;
        this.port = port;
        this.tail = tail;
    }

    /** Starts a broker and returns once it listens; throws with its output if it does not within {@code timeout}. */
    static BrokerProcess start(Duration timeout) {
        return start(timeout, 0);
    }

    /** As {@link #start(Duration)}, on {@code port} (0: one the kernel picks), e.g. again where one was killed. */
    static BrokerProcess start(Duration timeout, int port) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-Dio.netty.jfr.enabled=false");
        if (BlockingCallGuard.requested()) {
            // the child inherits F2BC_BLOCKHOUND=1 and installs BlockHound, which needs this flag
            command.add(BlockingCallGuard.JVM_FLAG);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BrokerMain.class.getName());
        command.add("--bind=127.0.0.1");
        command.add("--port=" + port);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a broker: " + e.getMessage(), e);
        }
        Deque<String> tail = new ArrayDeque<>();
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(process, tail, listening), "broker-" + process.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
        try {
            return new BrokerProcess(process, listening.get(timeout.toMillis(), TimeUnit.MILLISECONDS), tail);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the broker did not start listening within " + timeout.toSeconds()
                    + " s; it printed:\n" + String.join("\n", snapshot(tail)));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting a broker", e);
        }
    }

    /** Reads the broker's output to its end, keeping the last lines for an error report. */
    private static void pump(Process process, Deque<String> tail, CompletableFuture<Integer> listening) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(LISTENING) && !listening.isDone()) {
                    listening.complete(Integer.parseInt(line.substring(LISTENING.length()).trim()));
                }
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            listening.completeExceptionally(e);
        }
        listening.completeExceptionally(new IllegalStateException("the broker exited"));
    }

    private static List<String> snapshot(Deque<String> tail) {
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status once it ended, for the report (70: BlockHound caught a blocking call). */
    String describeExit() {
        return process.isAlive() ? "running" : "exited " + process.exitValue() + ": "
                + String.join("\n", snapshot(tail));
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
