package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile server floods the agent (a real process with its 64 MiB heap) over one connection with 512 MiB
 * of garbage lines and lines far over the 64 KiB limit. The agent must neither buffer them nor log once per
 * line, keep the connection, and still run the valid ban that follows on that same connection.
 */
class AgentFloodIT {
    private static final long FLOOD_BYTES = 512L << 20;
    private static final int BLOCK_BYTES = 1 << 20;
    private static final int OVERLONG_LINE_BYTES = 200 * 1024;

    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void halfAGigabyteOfGarbageAndOverlongLinesLeavesTheAgentAliveAndTheNextBanRuns() throws Exception {
        ServerSocket listener = cluster.keep(new ServerSocket(0, 10, InetAddress.getLoopbackAddress()));
        RecordingAction action = cluster.recordingAction();
        AgentProcess agent = cluster.agent(cluster.agentConfig(action.action("%action% %ip%"), listener.getLocalPort()));

        CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> floodOneConnection(listener));
        // the flood takes seconds to minutes on a busy machine; a failure to write means the agent hung up
        flood.get(Cluster.WAIT.toSeconds() * 3, TimeUnit.SECONDS);

        assertEquals(List.of(List.of("banip", "192.0.2.99")), action.awaitRuns(1, agent.process()));
        assertTrue(agent.process().isAlive(), agent.output());
        assertEquals(1, agent.process().lines(l -> l.endsWith(": connected")).size(),
                "the flood was survived on its one connection\n" + agent.output());
        long warnings = agent.process().lines(l -> l.contains("line(s) longer than")).size();
        assertTrue(warnings >= 1 && warnings < 50,
                "512 over-long lines, warned about at most once per interval: " + warnings + " warnings");
    }

    private static void floodOneConnection(ServerSocket listener) {
        try (Socket socket = listener.accept()) {
            OutputStream out = socket.getOutputStream();
            out.write("debug!connected...\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("subscribe " + Cluster.CHANNEL)) {
                // the subscribe comes first; anything else is read past
            }
            byte[] block = floodBlock(new Random(1986));
            for (long sent = 0; sent < FLOOD_BYTES; sent += block.length) {
                out.write(block);
            }
            out.write((Cluster.CHANNEL + "!jail=sshd, action=banip, ip=192.0.2.99\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // keep the connection open until the test has looked at the agent
            socket.setSoTimeout((int) Cluster.WAIT.toMillis());
            while (socket.getInputStream().read() >= 0) {
                // the agent's pings
            }
        } catch (IOException e) {
            throw new IllegalStateException("the flood did not get through (did the agent close the connection?)", e);
        }
    }

    /** 1 MiB: one line far over the limit, then garbage lines of every byte but the newline, '\r' and NUL included. */
    private static byte[] floodBlock(Random random) {
        byte[] block = new byte[BLOCK_BYTES];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) random.nextInt(256);
            if (block[i] == '\n') {
                block[i] = '!';
            }
        }
        block[OVERLONG_LINE_BYTES] = '\n';
        for (int i = OVERLONG_LINE_BYTES + 1; i < block.length; i += 1 + random.nextInt(2000)) {
            block[i] = '\n';
        }
        block[block.length - 1] = '\n';
        return block;
    }
}
