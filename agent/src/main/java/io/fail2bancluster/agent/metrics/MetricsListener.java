package io.fail2bancluster.agent.metrics;

import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.config.ListenAddress;
import io.fail2bancluster.metrics.MetricsServer;
import io.fail2bancluster.util.StartFailure;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
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
    private final MetricsServer server;

    private MetricsListener(ListenAddress address, MetricsServer server) {
        this.address = address;
        this.server = server;
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
        try {
            return new MetricsListener(address, MetricsServer.start(address.host(), address.port(), loop, channelType,
                    () -> PrometheusPage.render(snapshot.get(), version), "fail2ban-clusterd"));
        } catch (MetricsServer.BindFailure e) {
            throw new StartFailure("cannot serve metrics on " + address + " (metrics: in the config): " + e.getMessage(),
                    null);
        }
    }

    public ListenAddress address() {
        return address;
    }

    /** Where it is bound: the port is the configured one. */
    public InetSocketAddress localAddress() {
        return server.localAddress();
    }

    /** Stops accepting and closes the open connections; completes when all are closed. Any thread. */
    public CompletableFuture<Void> stop() {
        return server.stop();
    }
}
