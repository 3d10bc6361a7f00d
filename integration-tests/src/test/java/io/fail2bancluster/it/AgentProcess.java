package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import io.fail2bancluster.agent.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import io.fail2bancluster.agent.daemon.ControlReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;

/**
 * {@code fail2ban-clusterd run} as a real process with a config written for the test, and its counters
 * read over the control socket as {@code fail2ban-clusterd status} reads them.
 */
final class AgentProcess implements AutoCloseable {
    private final JavaProcess process;
    private final Path controlSocket;

    private AgentProcess(JavaProcess process, Path controlSocket) {
        this.process = process;
        this.controlSocket = controlSocket;
    }

    /** {@code yaml} gets the control socket appended; returns once the agent answers on it. */
    static AgentProcess start(Path dir, String yaml) throws IOException {
        Path controlSocket = dir.resolve("control.sock");
        Path config = Files.writeString(dir.resolve("cluster.yml"), yaml + "control_socket: " + controlSocket + "\n");
        JavaProcess process = JavaProcess.start("fail2ban-clusterd", AgentMain.class, "--config", config.toString(), "run");
        AgentProcess agent = new AgentProcess(process, controlSocket);
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> agent.server0("state") != null);
        } catch (ConditionTimeoutException e) {
            process.close();
            throw new AssertionError("the agent did not answer on " + controlSocket + "; it printed:\n" + process.output(), e);
        }
        return agent;
    }

    /** A field of server 0's status ({@code received}, {@code dropped}, {@code state}...). */
    String server0(String field) {
        try {
            ControlReply reply = ControlClient.request(controlSocket, "status");
            return reply.field("server.0." + field).orElseThrow(() -> new AssertionError("no " + field + " in " + reply));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long counter(String name) {
        return Long.parseLong(server0(name));
    }

    JavaProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
