package io.fail2bancluster.client.cds;

import io.fail2bancluster.protocol.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * fanout as far as one publish needs it, for {@link AppCdsTraining}: the greeting, then a timestamp line for
 * every {@code ping}, one connection at a time on loopback. Not a fanout server.
 */
final class StandInFanout extends StandInServer {
    private StandInFanout() throws IOException {
    }

    static StandInFanout start() throws IOException {
        StandInFanout fanout = new StandInFanout();
        fanout.start("cds-training-fanout");
        return fanout;
    }

    @Override
    void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                OutputStream out = socket.getOutputStream();
                out.write((Wire.GREETING + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = socket.getInputStream();
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b != '\n') {
                        line.append((char) b);
                    } else {
                        if (line.toString().equals("ping")) {
                            out.write((System.currentTimeMillis() / 1000 + "\n").getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                        line.setLength(0);
                    }
                }
            } catch (IOException e) {
                // the client went away, or the server socket closed at the end of training
            }
        }
    }
}
