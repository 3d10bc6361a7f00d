package io.fail2bancluster.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A bench process (server, subscribers, agent) started from this class path; its lines are read as they come. */
final class Child implements AutoCloseable {
    private static final Pattern PORT = Pattern.compile("listening on [^ ]*:(\\d+)");
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(List<String> jvmArgs, String mainClass, String... args) throws IOException {
        this(javaCommand(jvmArgs, mainClass, args));
    }

    private Child(List<String> command) throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // it ended
            }
        }, "bench-child-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Any program, e.g. a distribution's launcher script or a C server. */
    static Child command(List<String> command) throws IOException {
        return new Child(command);
    }

    /** {@code java} of this JVM with this class path, {@code jvmArgs}, {@code mainClass} and {@code args}. */
    static List<String> javaCommand(List<String> jvmArgs, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dio.netty.jfr.enabled=false");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    /** The first line containing {@code text} (earlier lines are dropped); fails after {@code seconds}. */
    String await(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IllegalStateException("no line with '" + text + "' within " + seconds + " s from pid " + pid());
            }
            if (line.contains(text)) {
                return line;
            }
        }
    }

    /** Non-blocking: a line containing {@code text} if one has arrived, else null. */
    String poll(String text) {
        String line;
        while ((line = lines.poll()) != null) {
            if (line.contains(text)) {
                return line;
            }
        }
        return null;
    }

    /** The port in a "... listening on host:port" line (a log line may say more after it). */
    static int portOf(String listening) {
        Matcher m = PORT.matcher(listening);
        if (!m.find()) {
            throw new IllegalStateException("no port in: " + listening);
        }
        return Integer.parseInt(m.group(1));
    }

    long pid() {
        return process.pid();
    }

    /** Ends it and what it started (a load test's nats-server, an agent's actions), which would outlive it. */
    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
