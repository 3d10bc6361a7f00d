package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fail2bancluster.broker.Transcript.Kind;
import io.fail2bancluster.broker.Transcript.Section;
import io.fail2bancluster.broker.Transcript.Step;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replays one transcript section over plain sockets against any fanout-compatible server and checks
 * every byte the server sends: exactly, except a ping reply (any {@code \d+\n}) and the two {@code info}
 * figures that depend on the moment and the machine ({@code uptime}, {@code rlimits}: same form, any value).
 * {@code info} has the transcript's keys, exactly those, in its order, with its figures; {@code total pings}
 * also counts the pings this replayer sends to keep connections in order (below).
 *
 * <p>Ordering across connections: a server may handle each connection on its own thread, so a
 * subscribe on A followed at once by an announce on B could race. Before a step on another
 * connection may depend on what the last writer sent, the replayer sends that writer a {@code ping}
 * and waits for the reply (fanout answers in order), so the writer's commands have been processed.
 * Lines read while waiting are kept for the steps that expect them. At the end every connection
 * still open is pinged the same way and must have received nothing the transcript did not show.
 */
final class TranscriptReplayer implements AutoCloseable {
    private static final Pattern PING_REPLY = Pattern.compile("\\d+\n");
    private static final Pattern INFO_LINE = Pattern.compile("([a-z][a-z -]*): ([^\n]*)\n");
    /** The info figures that differ from run to run and machine to machine: only their form is fixed. */
    private static final Map<String, Pattern> VARYING_INFO = Map.of(
            "uptime", Pattern.compile("\\d+d \\d+h \\d+m \\d+s"),
            "rlimits", Pattern.compile("Soft=-?\\d+ Hard=-?\\d+"));
    private static final int READ_TIMEOUT_MILLIS = 5_000;

    private final InetSocketAddress server;
    private final Map<Character, Peer> peers = new LinkedHashMap<>();
    private Peer lastWriter;
    /** Pings sent to keep connections in order, not in the transcript: the server counts them too. */
    private int orderingPings;

    TranscriptReplayer(InetSocketAddress server) {
        this.server = server;
    }

    void replay(Section section) throws IOException {
        for (Step step : section.steps()) {
            Peer peer = peers.get(step.connection());
            boolean dependsOnOthers = peer == null || step.kind() == Kind.SEND;
            if (dependsOnOthers && lastWriter != null && lastWriter != peer) {
                awaitProcessed(lastWriter);
                lastWriter = null;
            }
            if (peer == null) {
                peer = new Peer(step.connection(), server);
                peers.put(step.connection(), peer);
            }
            switch (step.kind()) {
                case SEND -> {
                    peer.send(step.bytes());
                    if (step.thenClose()) {
                        peer.close();
                        lastWriter = null;
                    } else {
                        lastWriter = peer;
                    }
                }
                case EXPECT -> expect(peer, step, orderingPings);
                case EXPECT_EOF -> {
                    byte[] line = peer.nextLine();
                    if (line != null) {
                        fail(step.describe() + ": expected the server to close, got " + Transcript.show(line));
                    }
                    peer.close();
                }
            }
        }
        if (lastWriter != null) {
            awaitProcessed(lastWriter);
        }
        for (Peer peer : peers.values()) {
            if (!peer.closed) {
                awaitProcessed(peer);
                assertTrue(peer.queue.isEmpty(), "connection " + peer.name + " received lines the transcript "
                        + "does not show: " + peer.describeQueue());
            }
        }
    }

    private void awaitProcessed(Peer peer) throws IOException {
        peer.awaitProcessed();
        orderingPings++;
    }

    private static void expect(Peer peer, Step step, int orderingPings) throws IOException {
        byte[] actual = peer.nextLine();
        assertNotNull(actual, step.describe() + ": the server closed the connection instead");
        String expectedText = new String(step.bytes(), StandardCharsets.ISO_8859_1);
        String actualText = new String(actual, StandardCharsets.ISO_8859_1);
        if (PING_REPLY.matcher(expectedText).matches()) {
            assertTrue(PING_REPLY.matcher(actualText).matches(),
                    step.describe() + ": expected a ping reply, got " + Transcript.show(actual));
            peer.pingsOutstanding--;
            return;
        }
        var infoLine = INFO_LINE.matcher(expectedText);
        if (infoLine.matches()) {
            String key = infoLine.group(1);
            Pattern varying = VARYING_INFO.get(key);
            if (varying != null) {
                var actualLine = INFO_LINE.matcher(actualText);
                assertTrue(actualLine.matches() && actualLine.group(1).equals(key)
                                && varying.matcher(actualLine.group(2)).matches(),
                        step.describe() + ": expected info '" + key + ": " + varying + "', got "
                                + Transcript.show(actual));
                return;
            }
            if (key.equals("total pings")) {
                expectedText = key + ": " + (Long.parseLong(infoLine.group(2)) + orderingPings) + "\n";
            }
        }
        assertEquals(Transcript.show(expectedText.getBytes(StandardCharsets.ISO_8859_1)), Transcript.show(actual),
                step.describe());
        assertEquals(expectedText, actualText, step.describe());
    }

    @Override
    public void close() {
        for (Peer peer : peers.values()) {
            peer.close();
        }
    }

    /** One client connection: a socket, lines read ahead of the steps, pings still unanswered. */
    private static final class Peer {
        private static final byte[] PING = "ping\n".getBytes(StandardCharsets.US_ASCII);

        final char name;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final Deque<byte[]> queue = new ArrayDeque<>();
        int pingsOutstanding;
        boolean closed;

        Peer(char name, InetSocketAddress server) throws IOException {
            this.name = name;
            this.socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(server, READ_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            if (java.util.Arrays.equals(bytes, PING)) {
                pingsOutstanding++;
            }
        }

        byte[] nextLine() throws IOException {
            return queue.isEmpty() ? readLine() : queue.removeFirst();
        }

        /**
         * Sends a ping and reads until its reply, keeping every other line (replies to earlier pings
         * included) for the steps that expect them. fanout answers in order, so once the reply is
         * here, everything this connection sent before it has been handled.
         */
        void awaitProcessed() throws IOException {
            out.write(PING);
            out.flush();
            long repliesNeeded = pingsOutstanding + 1 - queue.stream().filter(Peer::isPingReply).count();
            while (repliesNeeded > 0) {
                byte[] line = readLine();
                if (line == null) {
                    fail("connection " + name + " was closed by the server while waiting for a ping reply");
                }
                queue.addLast(line);
                if (isPingReply(line)) {
                    repliesNeeded--;
                }
            }
            for (Iterator<byte[]> it = queue.descendingIterator(); it.hasNext(); ) {
                if (isPingReply(it.next())) {
                    it.remove();
                    return;
                }
            }
        }

        private static boolean isPingReply(byte[] line) {
            return PING_REPLY.matcher(new String(line, StandardCharsets.ISO_8859_1)).matches();
        }

        /** One line including its {@code \n}; a partial line at the end of the stream; null at EOF. */
        private byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("connection " + name + ": nothing arrived within "
                            + READ_TIMEOUT_MILLIS + " ms; so far: " + Transcript.show(line.toByteArray()));
                }
                if (b < 0) {
                    return line.size() == 0 ? null : line.toByteArray();
                }
                line.write(b);
                if (b == '\n') {
                    return line.toByteArray();
                }
            }
        }

        String describeQueue() {
            StringBuilder sb = new StringBuilder();
            for (byte[] line : queue) {
                sb.append(Transcript.show(line)).append(' ');
            }
            return sb.toString();
        }

        void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a test socket; nothing to do
            }
        }
    }
}
