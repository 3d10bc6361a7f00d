package io.fail2bancluster.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One exchange with the local agent over its control socket, as the agent's protocol has it: one request line,
 * then the reply ({@code ok} or {@code error TEXT}, {@code key: value} lines) up to an empty line. A blocking Unix
 * socket has no read timeout: the caller's {@link Deadline} closes it when it expires.
 */
final class ControlSocket {
    private ControlSocket() {
    }

    /**
     * @param request  the line, without its {@code \n}
     * @param maxBytes the longest reply read
     * @return the reply without its final empty line
     * @throws IOException no agent answers, it closed without an answer, or the deadline closed the socket
     */
    static String exchange(Path socket, String request, Deadline deadline, int maxBytes) throws IOException {
        try (SocketChannel agent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            if (!deadline.closeOnExpiry(agent)) {
                throw new IOException("the deadline passed");
            }
            agent.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                agent.write(out);
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            int scanned = 0;
            while (reply.size() <= maxBytes) {
                buffer.clear();
                int n = agent.read(buffer);
                if (n < 0) {
                    break;
                }
                reply.write(buffer.array(), 0, n);
                byte[] bytes = reply.toByteArray();
                for (int i = Math.max(1, scanned); i < bytes.length; i++) {
                    if (bytes[i] == '\n' && bytes[i - 1] == '\n') {
                        return new String(bytes, 0, i - 1, StandardCharsets.UTF_8);
                    }
                }
                scanned = bytes.length;
            }
            if (reply.size() > maxBytes) {
                throw new IOException("its answer is longer than " + maxBytes + " bytes");
            }
            if (reply.size() == 0) {
                throw new IOException("it closed without an answer");
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }
}
