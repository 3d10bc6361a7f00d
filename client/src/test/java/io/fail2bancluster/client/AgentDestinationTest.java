package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code publish --agent}: the control socket's exchange, against a stand-in agent on a Unix socket. */
class AgentDestinationTest {
    @TempDir
    Path dir;

    /** Answers one request with {@code reply} and completes with the request line it read. */
    private CompletableFuture<String> agent(Path socket, String reply) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return CompletableFuture.supplyAsync(() -> {
            try (server; SocketChannel peer = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(4096);
                StringBuilder request = new StringBuilder();
                while (request.indexOf("\n") < 0 && peer.read(in) >= 0) {
                    request.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
                    in.clear();
                }
                if (reply != null) {
                    peer.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                    return request.toString();
                }
                Thread.sleep(20_000); // never answers
                return request.toString();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private int run(ByteArrayOutputStream err, String... args) {
        return ClientMain.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err), path -> {
            throw new AssertionError("--agent reads no config");
        }, new Publisher());
    }

    @Test
    void anOkFromTheAgentIsExitZeroAndTheRequestIsOnePublishLine() throws Exception {
        Path socket = dir.resolve("control.sock");
        CompletableFuture<String> request = agent(socket, "ok\nsequence: 7\n\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(err, "publish", "--agent", socket.toString(), "-c", "Fail2ban", "-m", "jail=sshd, ip=192.0.2.7"));
        assertEquals("publish Fail2ban jail=sshd, ip=192.0.2.7\n", request.get(5, TimeUnit.SECONDS));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRefusalIsExitOneWithTheAgentsReason() throws Exception {
        Path socket = dir.resolve("control.sock");
        agent(socket, "error the outbox is full (outbox_max 1 entries); nothing kept\n\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, run(err, "--agent=" + socket, "-c", "Fail2ban", "-m", "ip=192.0.2.7"));
        assertEquals("fail2ban-cluster-client: the agent on " + socket + " did not take it: the outbox is full"
                + " (outbox_max 1 entries); nothing kept; nothing sent\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noAgentIsExitOneAndSaysSo() {
        Path socket = dir.resolve("nobody.sock");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, run(err, "--agent", socket.toString(), "-c", "Fail2ban", "-m", "ip=192.0.2.7"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("fail2ban-cluster-client: no agent answers on "
                + socket), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anAgentThatNeverAnswersIsCutOffAtTheTimeout() throws Exception {
        Path socket = dir.resolve("control.sock");
        agent(socket, null);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        assertEquals(1, run(err, "--agent", socket.toString(), "--timeout", "0.3", "-c", "Fail2ban", "-m", "ip=1"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "cut off by the timeout, not by the stand-in giving up");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no agent answers on " + socket + " within 300 ms"),
                err.toString(StandardCharsets.UTF_8));
    }
}
