package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.BrokerMain;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's side of back-pressure: an agent whose reads are paused (its exec queue full of blocked actions)
 * falls behind, and our broker, with a 1 s write deadline, closes it as a slow consumer. The agent reconnects as
 * after any close (and is closed again while it stays full); once the actions are released, everything it had
 * read runs, each once, and nothing is dropped. What the broker threw away with the closed connections is not
 * the agent's to recover: catch-up brings it back.
 */
class PausedAgentClosedIT {
    private static final Duration WITHIN = Duration.ofSeconds(120);
    /**
     * The announcer goes on until the broker has closed the agent: how much the kernel's buffers take before the
     * broker sees the agent behind depends on the machine (loopback autotuning grows a receive buffer to
     * tcp_rmem's maximum, 32 MiB here), so no fixed count is sure to be past it. This is the cap: 400 MiB.
     */
    private static final int MAX_MESSAGES = 100_000;
    /** Four values of 1,000 characters: within the agent's default max_value_length. */
    private static final String PAD = ", pad1=%1$s, pad2=%1$s, pad3=%1$s, pad4=%1$s".formatted("x".repeat(1000));

    @TempDir
    Path dir;

    @Test
    void aPausedAgentClosedAsASlowConsumerReconnectsAndRunsWhatItHadReadOnce() throws Exception {
        Path ran = dir.resolve("ran");
        Path release = dir.resolve("release");
        Path action = Files.writeString(dir.resolve("blocked.sh"), """
                while [ ! -e '%s' ]; do sleep 0.05; done
                echo "$1" >> '%s'
                """.formatted(release, ran));
        try (JavaProcess broker = JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0",
                "--write-deadline=1")) {
            int port = FanoutServer.awaitListeningPort(broker, WITHIN);
            try (AgentProcess agent = AgentProcess.start(dir, ExecOverflowIT.sshdAgent(port, action, 1, """
                    exec_concurrency: 4
                    exec_queue: 10
                    exec_timeout: 600
                    reconnect_min: 0.1
                    reconnect_max: 1
                    log_level: 2
                    """))) {
                await().atMost(WITHIN).until(() -> agent.server0("state").equals("connected"));
                await().atMost(WITHIN).until(() -> ExecOverflowIT.subscribedProbe(port, agent));

                AtomicBoolean closed = new AtomicBoolean();
                AtomicInteger announced = new AtomicInteger();
                Thread announcer = new Thread(() -> announcePadded(port, closed, announced), "announcer");
                announcer.setDaemon(true);
                announcer.start();
                broker.awaitLineContaining("closing a slow consumer", WITHIN);
                closed.set(true);
                announcer.join(WITHIN.toMillis());
                await().atMost(WITHIN).until(() -> agent.counter("reconnects") >= 1
                        && agent.server0("state").equals("connected"));
                assertTrue(agent.counter("reads_paused") >= 1);
                assertEquals(0, agent.counter("executed"), "nothing ran yet: the actions are blocked");

                Files.createFile(release);
                // everything read runs: the queue drains, held lines go on, reading resumes
                await().atMost(WITHIN).until(() -> agent.server0("reads_paused_now").equals("no")
                        && agent.counter("executed") == agent.counter("received") - agent.counter("filtered_out")
                        && Files.readAllLines(ran).size() == agent.counter("executed"));
                assertEquals(0, agent.counter("dropped"));
                assertEquals(0, agent.counter("failed"));
                List<String> ids = Files.readAllLines(ran);
                assertEquals(ids.size(), new HashSet<>(ids).size(), "nothing ran twice");
                assertTrue(agent.output().contains("disconnected"), agent.output());
                System.out.printf("PausedAgentClosedIT: %d of %d announced ran after %d reconnect(s), %d pause(s)%n",
                        ids.size(), announced.get(), agent.counter("reconnects"), agent.counter("reads_paused"));
            }
        }
    }

    /**
     * Padded announces in one stream until the broker has closed the agent; the broker holds the write back while
     * its subscriber is behind.
     */
    private static void announcePadded(int port, AtomicBoolean stop, AtomicInteger announced) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < MAX_MESSAGES && !stop.get(); i++) {
                out.write(("announce Fail2ban jail=sshd, id=" + i + PAD + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
                announced.incrementAndGet();
            }
            out.flush();
        } catch (IOException e) {
            // the broker stopped at the end of the test while this was still held back
        }
    }
}
