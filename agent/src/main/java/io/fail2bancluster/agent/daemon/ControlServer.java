package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.util.BlockingThreads;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Serves the control socket on its own thread, away from the agent's event loop: {@code status} and
 * {@code reload} (whose config reading and validation therefore never run on the loop), one entry each in
 * the command map.
 *
 * <p>Requests are answered one at a time; a peer that stalls is cut off after
 * {@link ControlProtocol#EXCHANGE_TIMEOUT}. Only the owner (root in production) may connect: the socket is
 * mode 0600 from the moment it carries its public name, because it is bound under a random name,
 * restricted, then renamed into place (which also replaces a stale socket atomically).
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ControlServer.class);
    /** {@code S_IFMT} and {@code S_IFSOCK} from stat(2). */
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final Path path;
    private final ServerSocketChannel server;
    private final Map<String, Supplier<ControlReply>> commands;
    private final Map<String, Function<String, ControlReply>> withArguments;
    private final int maxRequestBytes;
    private final Thread thread;

    private ControlServer(Path path, ServerSocketChannel server, Map<String, Supplier<ControlReply>> commands,
            Map<String, Function<String, ControlReply>> withArguments, int maxRequestBytes) {
        this.path = path;
        this.server = server;
        this.commands = Map.copyOf(commands);
        this.withArguments = Map.copyOf(withArguments);
        this.maxRequestBytes = maxRequestBytes;
        this.thread = BlockingThreads.named("control-socket").newThread(this::serve);
    }

    /**
     * Binds {@code path} and starts answering. Creates the folder (mode 0700) if missing and replaces a
     * socket file nobody answers on.
     *
     * @throws AlreadyServedException when an agent answers on {@code path}: its socket is never stolen
     * @throws IOException            when the socket cannot be made; the agent then runs without it
     */
    public static ControlServer open(Path path, Map<String, Supplier<ControlReply>> commands) throws IOException {
        return open(path, commands, Map.of(), ControlProtocol.MAX_REQUEST_BYTES);
    }

    /**
     * As {@link #open(Path, Map)}, with commands that take the rest of the request line as their argument
     * ({@code publish CHANNEL MESSAGE}), and requests of up to {@code maxRequestBytes}.
     */
    public static ControlServer open(Path path, Map<String, Supplier<ControlReply>> commands,
            Map<String, Function<String, ControlReply>> withArguments, int maxRequestBytes) throws IOException {
        Path socket = path.toAbsolutePath();
        Path dir = socket.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        refuseIfServedOrNotASocket(socket);
        Path bound = dir.resolve(".ctl-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(bound));
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(bound);
            throw e;
        }
        ControlServer control = new ControlServer(socket, server, commands, withArguments, maxRequestBytes);
        control.thread.start();
        return control;
    }

    private static void refuseIfServedOrNotASocket(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & FILE_TYPE_MASK) != SOCKET_TYPE) {
            // a typo such as control_socket: /etc/hosts must not cost the file
            throw new IOException(socket + " exists and is not a socket; not replacing it");
        }
        ControlReply reply;
        try {
            reply = ControlClient.request(socket, "status");
        } catch (IOException nobodyHome) {
            LOG.info("replacing stale control socket {}", socket);
            return;
        }
        throw new AlreadyServedException(socket, reply.field("pid").flatMap(ControlServer::parsePid));
    }

    private static Optional<Long> parsePid(String s) {
        try {
            return Optional.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public Path path() {
        return path;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel peer = server.accept()) {
                answer(peer);
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                LOG.debug("control socket exchange failed: {}", e.toString());
            }
        }
    }

    private void answer(SocketChannel peer) throws IOException {
        ScheduledFuture<?> watchdog = ControlProtocol.closeAfter(peer, ControlProtocol.EXCHANGE_TIMEOUT);
        try {
            String request;
            try {
                request = ControlProtocol.readUntil(peer, "\n", maxRequestBytes).strip();
            } catch (IOException tooLong) {
                ControlProtocol.writeAll(peer, ControlReply.error("request too long").encode());
                return;
            }
            ControlProtocol.writeAll(peer, reply(request).encode());
        } finally {
            watchdog.cancel(false);
        }
    }

    private ControlReply reply(String request) {
        Supplier<ControlReply> command = commands.get(request);
        int space = request.indexOf(' ');
        String word = space < 0 ? request : request.substring(0, space);
        Function<String, ControlReply> withArgument = withArguments.get(word);
        if (command == null && withArgument == null) {
            java.util.TreeSet<String> known = new java.util.TreeSet<>(commands.keySet());
            known.addAll(withArguments.keySet());
            return ControlReply.error("unknown command '" + request + "'; known: " + String.join(", ", known));
        }
        try {
            return command != null ? command.get() : withArgument.apply(space < 0 ? "" : request.substring(space + 1));
        } catch (RuntimeException e) {
            LOG.warn("control command '{}' failed", request, e);
            return ControlReply.error(request + " failed: " + e);
        }
    }

    /** Stops answering and removes the socket file. */
    @Override
    public void close() {
        try {
            server.close();
            // a daemon thread: a peer that stalls an exchange must not hold the agent's exit for its timeout
            thread.join(CLOSE_WAIT.toMillis());
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove control socket {}: {}", path, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Another agent answers on the socket. */
    public static final class AlreadyServedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Optional<Long> pid;

        AlreadyServedException(Path socket, Optional<Long> pid) {
            super("an agent" + pid.map(p -> " (pid " + p + ")").orElse("") + " already answers on " + socket);
            this.pid = pid;
        }

        public Optional<Long> pid() {
            return pid;
        }
    }
}
