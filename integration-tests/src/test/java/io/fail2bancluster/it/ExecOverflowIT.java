package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.BrokerMain;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood against a bounded exec queue, as real processes: exec_concurrency 4, exec_queue 100, every action
 * blocked until the test releases it, 10,000 matching messages. Exactly 4 run and 100 wait; the agent stops
 * reading from the server (back-pressure) instead of dropping the rest, which wait in the broker and in TCP.
 * After the release all 10,000 run, each once, none dropped.
 */
class ExecOverflowIT {
    private static final Duration WITHIN = Duration.ofSeconds(120);
    /** 10,000 processes, four at a time, on a shared machine. */
    private static final Duration ALL_RUN_WITHIN = Duration.ofMinutes(6);
    private static final int MESSAGES = 10_000;

    @TempDir
    Path dir;

    @Test
    void tenThousandMessagesIntoFourRunningAndAHundredQueuedPauseReadingAndAllRunOnce() throws Exception {
        Path started = dir.resolve("started");
        Path finished = dir.resolve("finished");
        Path release = dir.resolve("release");
        // appends of one short line are atomic (O_APPEND, below PIPE_BUF): concurrent actions cannot mix them
        Path action = Files.writeString(dir.resolve("blocked.sh"), """
                echo "$1" >> '%s'
                while [ ! -e '%s' ]; do sleep 0.05; done
                echo "$1" >> '%s'
                """.formatted(started, release, finished));
        try (JavaProcess broker = JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0")) {
            int port = FanoutServer.awaitListeningPort(broker, WITHIN);
            try (AgentProcess agent = AgentProcess.start(dir, sshdAgent(port, action, 1, """
                    exec_concurrency: 4
                    exec_queue: 100
                    exec_timeout: 600
                    log_level: 1
                    """))) {
                await().atMost(WITHIN).until(() -> agent.server0("state").equals("connected"));
                await().atMost(WITHIN).until(() -> subscribedProbe(port, agent));

                Thread announcer = announceAllInTheBackground(port);
                // the queue holds its bound, the agent stops reading, and the rest waits in the broker and TCP
                await().atMost(WITHIN).until(() -> agent.server0("reads_paused_now").equals("yes")
                        && lines(started).size() == 4);
                assertEquals(104, agent.counter("received") - agent.counter("filtered_out"),
                        "4 running and 100 waiting went in; the rest was not read yet");
                assertEquals(0, agent.counter("dropped"));
                assertEquals(0, agent.counter("executed"));

                Files.createFile(release);
                await().atMost(ALL_RUN_WITHIN).until(() -> agent.counter("executed") == MESSAGES);
                announcer.join(WITHIN.toMillis());
                assertEquals(0, agent.counter("dropped"));
                assertEquals(0, agent.counter("failed"));
                assertEquals("connected", agent.server0("state"));
                assertEquals(0, agent.counter("reconnects"), "the broker never closed the paused agent");
                assertTrue(agent.counter("reads_paused") >= 1);
                await().atMost(WITHIN).until(() -> agent.server0("reads_paused_now").equals("no"));
                List<String> ran = lines(finished);
                assertEquals(MESSAGES, ran.size());
                assertEquals(MESSAGES, new HashSet<>(ran).size(), "nothing ran twice");
                assertEquals(new HashSet<>(ran), new HashSet<>(lines(started)));
            }
        }
    }

    /**
     * An agent config with one server, 127.0.0.1:{@code port}, whose channel {@code Fail2ban} runs
     * {@code /bin/sh action %id%} for jail sshd, with {@code batch}, and the top-level settings {@code more}.
     */
    static String sshdAgent(int port, Path action, int batch, String more) {
        return """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    channels:
                      - name: Fail2ban
                        action: "/bin/sh %s %%id%%"
                        batch: %d
                        filter:
                          - key: jail
                            values: [sshd]
                """.formatted(port, action, batch) + more;
    }

    /**
     * Sends a message the filter stops and tells whether the agent has counted any yet: once it has, its
     * subscription is in effect. Probes still in flight end as filtered_out, which the test leaves aside.
     */
    static boolean subscribedProbe(int port, AgentProcess agent) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write("announce Fail2ban jail=probe\nping\n".getBytes(StandardCharsets.US_ASCII));
            awaitPingReply(socket.getInputStream());
        }
        return agent.counter("filtered_out") > 0;
    }

    /**
     * 10,000 announces in one stream, then a ping, on a thread of its own: the broker holds an announcer back
     * while its subscriber is behind, so the write ends only once the agent reads again.
     */
    private static Thread announceAllInTheBackground(int port) {
        Thread announcer = new Thread(() -> {
            try {
                announceAll(port, MESSAGES);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "announcer");
        announcer.setDaemon(true);
        announcer.start();
        return announcer;
    }

    /** {@code messages} announces in one stream, then a ping: once it is answered the server has fanned out all. */
    static void announceAll(int port, int messages) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < messages; i++) {
            lines.append("announce Fail2ban jail=sshd, id=").append(i).append('\n');
        }
        lines.append("ping\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(lines.toString().getBytes(StandardCharsets.US_ASCII));
            awaitPingReply(socket.getInputStream());
        }
    }

    /** Reads the greeting and the reply to the one ping: two lines. */
    static void awaitPingReply(InputStream in) throws IOException {
        int newlines = 0;
        while (newlines < 2) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the broker closed before answering the ping");
            }
            newlines += b == '\n' ? 1 : 0;
        }
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
