package io.fail2bancluster.client.cds;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A stand-in server of the training on a loopback port, serving on a daemon thread until it is closed. */
abstract class StandInServer implements AutoCloseable {
    final ServerSocket server;

    StandInServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** Starts serving; returns this. */
    final StandInServer start(String threadName) {
        Thread acceptor = new Thread(this::serve, threadName);
        acceptor.setDaemon(true);
        acceptor.start();
        return this;
    }

    /** Accepts and answers until the server socket is closed. */
    abstract void serve();

    final int port() {
        return server.getLocalPort();
    }

    @Override
    public final void close() throws IOException {
        server.close();
    }
}
