package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted fanout stand-in that misbehaves on the agent's first connection and behaves on the second,
 * which delivers one good ban. The agent is a real process: it must survive the first connection, reconnect,
 * and run the good ban once and nothing of the bad connection.
 */
class HostileServerIT {
    private static final Duration WITHIN = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private ServerSocket listener;
    /** Held so the good connections stay open (an unreachable socket is closed by its cleaner). */
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeListener() throws IOException {
        if (listener != null) {
            listener.close();
        }
        for (Socket socket : open) {
            socket.close();
        }
    }

    @Test
    void aServerThatClosesMidLineNeverRunsThePartialLine() throws Exception {
        runAgainst(socket -> {
            OutputStream out = greetAndReadSubscribe(socket);
            out.write("Fail2ban!jail=sshd, id=partial".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.close();
        });
    }

    @Test
    void aResetDuringSubscribeIsSurvived() throws Exception {
        runAgainst(socket -> {
            socket.getOutputStream().write("debug!connected...\n".getBytes(StandardCharsets.US_ASCII));
            // the subscribe is on its way or already here: reset instead of answering
            socket.setSoLinger(true, 0);
            socket.close();
        });
    }

    private interface Misbehaviour {
        void on(Socket socket) throws IOException;
    }

    private void runAgainst(Misbehaviour first) throws Exception {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AtomicInteger connections = new AtomicInteger();
        Thread server = new Thread(() -> serve(first, connections), "hostile-server");
        server.setDaemon(true);
        server.start();
        Path ran = dir.resolve("ran");
        Path action = Files.writeString(dir.resolve("record.sh"), "echo \"$1\" >> '" + ran + "'\n");
        try (AgentProcess agent = AgentProcess.start(dir, """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    ping_timeout: 120
                    channels:
                      - name: Fail2ban
                        action: "/bin/sh %s %%id%%"
                reconnect_min: 0.1
                reconnect_max: 0.5
                log_level: 2
                """.formatted(listener.getLocalPort(), action))) {
            await().atMost(WITHIN).until(() -> Files.exists(ran) && !Files.readAllLines(ran).isEmpty());
            await().atMost(WITHIN).until(() -> agent.counter("executed") == 1);
            assertEquals(List.of("good"), Files.readAllLines(ran));
            assertEquals(1, agent.counter("received"), "the partial line was never a message");
            assertTrue(agent.counter("reconnects") >= 1);
            assertTrue(connections.get() >= 2);
        }
    }

    /** First connection: the misbehaviour. Later ones: greet, take the subscribe, deliver one ban, stay open. */
    private void serve(Misbehaviour first, AtomicInteger connections) {
        try {
            while (true) {
                Socket socket = listener.accept();
                open.add(socket);
                if (connections.incrementAndGet() == 1) {
                    first.on(socket);
                } else {
                    OutputStream out = greetAndReadSubscribe(socket);
                    out.write("Fail2ban!jail=sshd, id=good\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    private static OutputStream greetAndReadSubscribe(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("debug!connected...\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null && !line.equals("subscribe Fail2ban")) {
            // the agent may send other lines first (a ping)
        }
        return out;
    }
}
