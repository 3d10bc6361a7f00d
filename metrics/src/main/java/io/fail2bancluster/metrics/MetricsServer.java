package io.fail2bancluster.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.Errors;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A Prometheus page over HTTP on one of the process's own event loops, so the page is rendered where the
 * counters live (see {@link MetricsInitializer} for the bounds that keep a hostile local client cheap).
 * {@link #stop()} closes it and every connection it has open.
 */
public final class MetricsServer {
    /** Prometheus' text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Where the page is served. */
    public static final String PATH = MetricsHandler.PATH;

    private final Channel server;
    private final ChannelGroup open;

    private MetricsServer(Channel server, ChannelGroup open) {
        this.server = server;
        this.open = open;
    }

    /** The address could not be bound; the message is the system's words (no "bind(..) failed" wrapper). */
    public static final class BindFailure extends RuntimeException {
        BindFailure(String message) {
            super(message);
        }
    }

    /**
     * Binds and starts answering. Blocks until bound (a host name is also looked up here), so it must be
     * called on a starting thread, never on {@code loop}.
     *
     * @param page        renders the page; called on {@code loop}, once per request
     * @param processName names the process in the message of a fatal error
     * @throws BindFailure when it cannot be bound (in use, not local, unknown name)
     */
    public static MetricsServer start(String host, int port, EventLoop loop, Class<? extends ServerChannel> channelType,
                                      Supplier<String> page, String processName) {
        InetSocketAddress socket = new InetSocketAddress(host, port);
        if (socket.isUnresolved()) {
            throw new BindFailure("cannot resolve " + host);
        }
        ChannelGroup open = new DefaultChannelGroup("metrics", loop);
        ChannelFuture bound = new ServerBootstrap()
                .group(loop)
                .channel(channelType)
                // a restart binds again at once, whatever connections of the last run are in TIME_WAIT
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new MetricsInitializer(open, page, processName))
                .bind(socket)
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new BindFailure(reason(bound.cause()));
        }
        return new MetricsServer(bound.channel(), open);
    }

    /** The system's words: epoll wraps them as {@code bind(..) failed with error(-98): Address already in use}. */
    private static String reason(Throwable cause) {
        String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        int wrapped = message.indexOf("): ");
        return cause instanceof Errors.NativeIoException && wrapped >= 0 ? message.substring(wrapped + 3) : message;
    }

    /** Where it is bound. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops accepting and closes the open connections; completes when all are closed. Any thread. */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        server.close().addListener(closed -> open.close().addListener(all -> stopped.complete(null)));
        return stopped;
    }
}
