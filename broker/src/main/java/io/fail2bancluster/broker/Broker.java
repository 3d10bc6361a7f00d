package io.fail2bancluster.broker;

import io.fail2bancluster.metrics.MetricsServer;
import io.fail2bancluster.util.ProductVersion;
import io.fail2bancluster.util.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Ticker;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A fanout-compatible pub/sub server, embeddable: {@link #start} returns once it listens; {@link #close}
 * stops it and its event loops. Used by {@link BrokerMain}, tests, demos and load harnesses.
 * <pre>{@code
 * try (Broker broker = Broker.start(BrokerOptions.defaults().withPort(0))) {
 *     connect to 127.0.0.1:broker.port() ...
 * }
 * }</pre>
 */
public final class Broker implements AutoCloseable {
    /** Each wait of close(): together well inside systemd's default 90 s, and the 10 s a SIGTERM may take. */
    static final int CLOSE_WAIT_SECONDS = 4;
    private static final int BIND_WAIT_SECONDS = 30;
    private final EventLoopGroup group;
    private final Channel server;
    private final BrokerMetrics metrics;
    private volatile MetricsServer metricsServer;

    private Broker(EventLoopGroup group, Channel server, BrokerMetrics metrics) {
        this.group = group;
        this.server = server;
        this.metrics = metrics;
    }

    /**
     * Binds and starts listening. Throws {@link IllegalArgumentException} for a bind address that does
     * not resolve or TLS files that cannot be used, and {@link IllegalStateException} when the port cannot be bound; nothing keeps
     * running after a failed start.
     */
    public static Broker start(BrokerOptions options) {
        return start(options, UnaryOperator.identity());
    }

    /**
     * As {@link #start(BrokerOptions)}, with every connection's initializer passed through {@code pipelineTap}
     * first. Package-private: only tests in this package can add to the pipeline (a planted fault).
     */
    static Broker start(BrokerOptions options, UnaryOperator<ChannelHandler> pipelineTap) {
        InetSocketAddress address = options.bindAddress() == null
                ? new InetSocketAddress(options.port())
                : new InetSocketAddress(options.bindAddress(), options.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve bind address " + options.bindAddress());
        }
        // Before anything runs: a certificate that cannot be used stops the start, not every handshake.
        SslContext sslContext = options.tls().map(BrokerTls::newContext).orElse(null);
        ChannelRegistry registry = new ChannelRegistry();
        DeliveryBudget budget = new DeliveryBudget(options.deliveryBudgetBytes());
        BrokerMetrics metrics = new BrokerMetrics(Ticker.systemTicker(), options.clientLimit(),
                OpenFilesLimit.ofThisProcess(), registry, budget);
        EventLoopGroup group = Transports.newGroup(options.threads(), BrokerMain.NAME, "broker-loop");
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverSocketChannel(group.next()))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(pipelineTap.apply(new BrokerInitializer(options, registry, metrics, budget, sslContext)));
        ChannelFuture bound = bootstrap.bind(address);
        if (!bound.awaitUninterruptibly(BIND_WAIT_SECONDS, TimeUnit.SECONDS)) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + describe(address) + ": no answer from the event loop"
                    + " within " + BIND_WAIT_SECONDS + " s");
        }
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + describe(address) + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        return new Broker(group, bound.channel(), metrics);
    }

    /** The port it listens on (the one picked by the OS when started with port 0). */
    public int port() {
        return localAddress().getPort();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The counters behind {@code info}, read now. */
    public BrokerStats stats() {
        return metrics.snapshot();
    }

    /**
     * Serves the counters as a Prometheus page on {@code host:port}, on one of the broker's loops, until
     * {@link #close}. Blocks until bound: call it from a starting thread, never from a loop.
     *
     * @throws MetricsServer.BindFailure when the address cannot be bound
     */
    public InetSocketAddress serveMetrics(String host, int port) {
        if (metricsServer != null) {
            throw new IllegalStateException("metrics are served already, on " + metricsServer.localAddress());
        }
        String version = ProductVersion.current();
        metricsServer = MetricsServer.start(host, port, group.next(), Transports.serverSocketChannel(group.next()),
                () -> BrokerPrometheusPage.render(metrics.snapshot(), version), BrokerMain.NAME);
        return metricsServer.localAddress();
    }

    /**
     * Stops listening, closes every connection and stops the event loops; waits for that, but never longer
     * than {@value #CLOSE_WAIT_SECONDS} s for each (a loop that is stuck or died must not hold the shutdown).
     */
    @Override
    public void close() {
        closeWithin();
    }

    /** {@link #close()}; returns whether everything stopped in time. */
    boolean closeWithin() {
        if (metricsServer != null) {
            metricsServer.stop();
        }
        boolean closed = server.close().awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        return group.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS) && closed;
    }

    /** {@code 0.0.0.0:1986} for all addresses, else the address as bound. */
    static String describe(InetSocketAddress address) {
        String host = address.getAddress() == null || address.getAddress().isAnyLocalAddress()
                ? "0.0.0.0"
                : address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return "Broker[" + describe(localAddress()) + "]";
    }
}
