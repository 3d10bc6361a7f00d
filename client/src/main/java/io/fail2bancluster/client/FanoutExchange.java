package io.fail2bancluster.client;

import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.TlsFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * One announce to one fanout server over a plain blocking socket: connect, read the greeting, write
 * the announce and a ping in one write, read until the ping reply. fanout answers commands in order,
 * so the reply proves the announce before it was processed. Every blocking step is bounded by the
 * deadline, except name resolution, which no Java API can bound; {@link Deadline#expire()} lets the
 * caller give up at the deadline regardless and closes the socket under whatever step is running.
 */
final class FanoutExchange {
    private static final byte[] PING = Command.Ping.INSTANCE.toBytes();

    /** Where the exchange stands; a timeout names it, since "timed out" alone helps no operator. */
    enum Step {
        RESOLVING("resolving the host name"),
        CONNECTING("connecting"),
        HANDSHAKE("the TLS handshake"),
        GREETING("waiting for the greeting"),
        REPLY("waiting for the ping reply after the announce; the announce may not have arrived");

        final String description;

        Step(String description) {
            this.description = description;
        }
    }

    private final FanoutDestination server;
    private final ClientTls tls;
    private final List<byte[]> request;
    private final LongConsumer written;
    private final Deadline deadline;
    private volatile Step step;

    /**
     * @param tls     TLS over the connection, or null for plain TCP
     * @param request the announce and ping bytes, written together once the server has greeted us
     */
    FanoutExchange(FanoutDestination server, ClientTls tls, byte[] request, Deadline deadline) {
        this(server, tls, List.of(request), part -> { }, deadline);
    }

    /**
     * A blocklist's exchange: {@code parts} (announces, the last one ending with the ping) written one after the
     * other without waiting for anything, as fanout reads a connection's lines in order; {@code written} hears of
     * each part written, by its index.
     */
    FanoutExchange(FanoutDestination server, ClientTls tls, List<byte[]> parts, LongConsumer written, Deadline deadline) {
        this.server = server;
        this.tls = tls;
        this.request = parts;
        this.written = written;
        this.deadline = deadline;
        step(Step.RESOLVING);
    }

    /** The announce and the ping in one buffer, so one write (and usually one TCP segment) carries both. */
    static byte[] requestBytes(Command.Announce announce) {
        byte[] line = announce.toBytes();
        byte[] request = new byte[line.length + PING.length];
        System.arraycopy(line, 0, request, 0, line.length);
        System.arraycopy(PING, 0, request, line.length, PING.length);
        return request;
    }

    private void step(Step next) {
        step = next;
        deadline.waitingFor(next == Step.GREETING
                // a server that accepts and stays silent is most often not a fanout server at all
                ? "the server accepted the connection but never answered within " + Deadline.format(deadline.timeout())
                        + "; is it a fanout server?"
                : "no answer within " + Deadline.format(deadline.timeout()) + " while " + next.description);
    }

    PublishResult run() {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(server.host());
            try (Socket s = connect(addresses)) {
                if (s == null) {
                    return failed("aborted at the deadline while " + Step.CONNECTING.description);
                }
                if (tls == null) {
                    return converse(s);
                }
                try (SSLSocket secure = handshake(s)) {
                    return converse(secure);
                }
            }
        } catch (UnknownHostException e) {
            return failed("unknown host " + Wire.quote(server.host()));
        } catch (SocketTimeoutException e) {
            return timedOut();
        } catch (ConnectException e) {
            return failed(connectFailure(e));
        } catch (SSLException e) {
            if (deadline.expired()) {
                return timedOut();
            }
            // a refused client certificate arrives as an alert only after the client's side of the handshake
            return failed("TLS " + (step == Step.HANDSHAKE ? "handshake failed" : "error while " + step.description)
                    + " (server name " + tls.serverName() + "): " + TlsFailure.reason(e));
        } catch (IOException e) {
            if (deadline.expired()) {
                return timedOut();
            }
            return failed("error while " + step.description + ": " + e.getMessage());
        }
    }

    /** The result to report when the deadline passed during a step. */
    private PublishResult timedOut() {
        return failed(deadline.timeoutReason());
    }

    /** Tries each address of the host in turn (IPv4 and IPv6, several A records) until one connects. */
    private Socket connect(InetAddress[] addresses) throws IOException {
        step(Step.CONNECTING);
        IOException last = null;
        for (InetAddress address : addresses) {
            Socket s = new Socket();
            if (!deadline.closeOnExpiry(s)) {
                s.close();
                return null;
            }
            if (deadline.remainingMillis() <= 0) {
                s.close();
                throw new SocketTimeoutException("deadline passed");
            }
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(address, server.port()), deadline.socketTimeoutMillis());
                return s;
            } catch (ConnectException e) {
                s.close();
                last = e;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }
        throw last;
    }

    /** TLS over the connected socket, verified against the server name; bounded by the deadline like every read. */
    private SSLSocket handshake(Socket plain) throws IOException {
        step(Step.HANDSHAKE);
        SSLSocket secure = tls.wrap(plain, server.port());
        if (deadline.remainingMillis() <= 0) {
            secure.close();
            throw new SocketTimeoutException("deadline passed");
        }
        secure.setSoTimeout(deadline.socketTimeoutMillis());
        try {
            secure.startHandshake();
        } catch (IOException e) {
            secure.close();
            throw e;
        }
        return secure;
    }

    private PublishResult converse(Socket s) throws IOException {
        step(Step.GREETING);
        LineReader reader = new LineReader(s, Wire.DEFAULT_MAX_LINE);
        String first = reader.readLine(deadline);
        if (first == null) {
            return failed("connection closed before the greeting");
        }
        ServerLine greeting = ServerLine.parse(first);
        if (isBusy(greeting)) {
            return failed("server is full (it answered " + Wire.BUSY + ")");
        }
        if (!(greeting instanceof ServerLine.DebugLine debug && debug.isGreeting())) {
            // a fanout server always greets first; anything else is not one
            return failed("not a fanout server? its first line was " + Wire.quote(first));
        }

        step(Step.REPLY);
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < request.size(); i++) {
            out.write(request.get(i));
            out.flush();
            written.accept(i);
        }
        String line;
        while ((line = reader.readLine(deadline)) != null) {
            ServerLine reply = ServerLine.parse(line);
            if (isBusy(reply)) {
                return failed("server turned busy (" + Wire.BUSY + ") after the announce");
            }
            // anything else before the reply (a broadcast on 'all', debug chatter) is not for us
            if (reply instanceof ServerLine.PingReply) {
                return PublishResult.accepted(server, deadline.elapsed());
            }
        }
        return failed("connection closed before the ping reply; the announce may not have arrived");
    }

    private static boolean isBusy(ServerLine line) {
        return line instanceof ServerLine.DebugLine debug && debug.isBusy();
    }

    private String connectFailure(ConnectException e) {
        String message = e.getMessage();
        if (message != null && message.toLowerCase(java.util.Locale.ROOT).contains("refused")) {
            return "connection refused";
        }
        return "cannot connect: " + message;
    }

    private PublishResult failed(String reason) {
        return PublishResult.failed(server, reason, deadline.elapsed());
    }
}
