package io.fail2bancluster.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated lines from a blocking socket, each read bounded by what is left of an
 * overall deadline, so a server that drips one byte at a time cannot stretch it. A line longer than
 * {@code maxLine} bytes is cut to its first {@code maxLine} bytes and the rest skipped: a hostile or
 * broken server never makes us buffer without bound.
 */
final class LineReader {
    private final Socket socket;
    private final InputStream in;
    private final int maxLine;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private byte[] line = new byte[128];

    LineReader(Socket socket, int maxLine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.maxLine = maxLine;
    }

    /**
     * The next line without its {@code \n} (a {@code \r} before it is kept, as fanout keeps it), or
     * {@code null} when the server closed the connection.
     *
     * @throws SocketTimeoutException when the deadline passes first
     */
    String readLine(Deadline deadline) throws IOException {
        int length = 0;
        while (true) {
            if (position == limit && !fill(deadline)) {
                return null;
            }
            byte b = buffer[position++];
            if (b == '\n') {
                return new String(line, 0, length, StandardCharsets.UTF_8);
            }
            if (length < maxLine) {
                if (length == line.length) {
                    line = Arrays.copyOf(line, Math.min(maxLine, line.length * 2));
                }
                line[length++] = b;
            }
        }
    }

    private boolean fill(Deadline deadline) throws IOException {
        if (deadline.remainingMillis() <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        socket.setSoTimeout(deadline.socketTimeoutMillis());
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }
}
