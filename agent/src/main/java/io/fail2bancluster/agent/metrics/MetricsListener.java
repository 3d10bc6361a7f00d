package io.fail2bancluster.agent.metrics;

import io.fail2bancluster.agent.StartFailure;

import io.fail2bancluster.agent.AgentStatus;
import io.fail2bancluster.config.ListenAddress;
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
 * The {@code metrics:} HTTP listener, on the agent's own event loop: the snapshot it serves is taken
 * there, like the one {@code status} gets, with no lock and no thread hop. Its address is fixed for the
 * agent's life; {@link #stop()} closes it and every connection it has open.
 */
public final class MetricsListener {
    private final ListenAddress address;
    private final Channel server;
    private final ChannelGroup open;

    private MetricsListener(ListenAddress address, Channel server, ChannelGroup open) {
        this.address = address;
        this.server = server;
        this.open = open;
    }

    /**
     * Binds {@code address} and starts answering. Blocks until bound (a host name is also looked up here),
     * so it must be called on a starting thread, never on {@code loop}.
     *
     * @param snapshot the agent's status, called on {@code loop}
     * @param version  the version the info metric shows
     * @throws IllegalStateException naming the address when it cannot be bound (in use, not local, unknown name)
     */
    public static MetricsListener start(ListenAddress address, EventLoop loop, Class<? extends ServerChannel> channelType,
                                        Supplier<AgentStatus> snapshot, String version) {
        InetSocketAddress socket = new InetSocketAddress(address.host(), address.port());
        if (socket.isUnresolved()) {
            throw cannotListen(address, "cannot resolve " + address.host());
        }
        ChannelGroup open = new DefaultChannelGroup("metrics", loop);
        ChannelFuture bound = new ServerBootstrap()
                .group(loop)
                .channel(channelType)
                // a restart binds again at once, whatever connections of the last run are in TIME_WAIT
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new MetricsInitializer(open, () -> PrometheusPage.render(snapshot.get(), version)))
                .bind(socket)
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw cannotListen(address, reason(bound.cause()));
        }
        return new MetricsListener(address, bound.channel(), open);
    }

    /** The system's words: epoll wraps them as {@code bind(..) failed with error(-98): Address already in use}. */
    private static String reason(Throwable cause) {
        String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        int wrapped = message.indexOf("): ");
        return cause instanceof Errors.NativeIoException && wrapped >= 0 ? message.substring(wrapped + 3) : message;
    }

    private static StartFailure cannotListen(ListenAddress address, String why) {
        return new StartFailure("cannot serve metrics on " + address + " (metrics: in the config): " + why, null);
    }

    public ListenAddress address() {
        return address;
    }

    /** Where it is bound: the port is the configured one. */
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
