package io.fail2bancluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of a server, that can make its open connections half-open: after
 * {@link #stallOpenConnections()} their bytes vanish in both directions and neither side ever sees a
 * close, as when a NAT or firewall on the path forgets the connection. Connections made after that are
 * forwarded normally. It can also {@link #refuse} for a while: connections are cut and new ones closed at
 * once, as when the path to the server is down.
 */
final class StallingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int upstreamPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean refusing;

    private StallingProxy(ServerSocket listener, int upstreamPort) {
        this.listener = listener;
        this.upstreamPort = upstreamPort;
    }

    static StallingProxy to(int upstreamPort) throws IOException {
        StallingProxy proxy = new StallingProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), upstreamPort);
        daemon("proxy-accept", proxy::acceptLoop);
        return proxy;
    }

    int port() {
        return listener.getLocalPort();
    }

    void stallOpenConnections() {
        links.forEach(link -> link.stalled = true);
    }

    /** Whether to cut every connection and close new ones at once ({@code true}), or to forward again. */
    void refuse(boolean refuse) {
        refusing = refuse;
        if (refuse) {
            links.forEach(Link::closeBoth);
            links.clear();
        }
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket down = listener.accept();
                Socket up;
                try {
                    if (refusing) {
                        throw new IOException("refusing");
                    }
                    up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                } catch (IOException unreachable) {
                    down.close(); // as the server itself would refuse: the client sees a close
                    continue;
                }
                Link link = new Link(down, up);
                links.add(link);
                daemon("proxy-down-up", () -> link.pump(down, up));
                daemon("proxy-up-down", () -> link.pump(up, down));
            }
        } catch (IOException closed) {
            // the proxy was closed
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Link link : links) {
            link.closeBoth();
        }
    }

    private static final class Link {
        private final Socket down;
        private final Socket up;
        volatile boolean stalled;

        Link(Socket down, Socket up) {
            this.down = down;
            this.up = up;
        }

        /** Copies from one side to the other; once stalled, reads and drops, and never passes a close on. */
        void pump(Socket from, Socket to) {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!stalled) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException gone) {
                // one side went away
            }
            if (!stalled) {
                closeBoth();
            }
        }

        void closeBoth() {
            try {
                down.close();
                up.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
