package io.fail2bancluster.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.config.ListenAddress;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The listener on a real socket and loop: what a scraper gets, and what a port in use does. */
class MetricsListenerTest {
    /** An agent that keeps no outbox, as status shows it. */
    private static AgentStatus withoutOutbox(Instant startedAt, List<AgentStatus.ServerStatus> servers) {
        return new AgentStatus(startedAt, servers, Optional.empty());
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private MetricsListener listen(ListenAddress address) {
        AgentStatus status = withoutOutbox(Instant.ofEpochSecond(1_700_000_000), List.of());
        return MetricsListener.start(address, group.next(), NioServerSocketChannel.class, () -> status, "9.9");
    }

    private HttpResponse<String> get(int port) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void servesThePageOnTheConfiguredPortUntilStopped() throws Exception {
        int port = unusedPort();
        MetricsListener listener = listen(ListenAddress.parse(Integer.toString(port)));
        assertEquals(port, listener.localAddress().getPort());
        assertEquals("127.0.0.1", listener.localAddress().getAddress().getHostAddress());

        HttpResponse<String> response = get(port);
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        assertEquals(List.of("fail2ban_cluster_info{version=\"9.9\"} 1", "fail2ban_cluster_start_time_seconds 1700000000.000",
                        "fail2ban_cluster_actions_failing 0", "fail2ban_cluster_action_retries_total 0"),
                response.body().lines().filter(l -> !l.startsWith("#")).toList());

        listener.stop().get(10, TimeUnit.SECONDS);
        assertThrows(ConnectException.class, () -> get(port));
    }

    @Test
    void aPortInUseIsAnErrorNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ListenAddress address = new ListenAddress("127.0.0.1", taken.getLocalPort());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> listen(address));
            assertEquals("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                    + " (metrics: in the config): Address already in use", e.getMessage());
        }
    }

    /** The agent runs on epoll where it loads; its error must read the same. */
    @Test
    void aPortInUseReadsTheSameOnEpoll() throws Exception {
        assumeTrue(Epoll.isAvailable());
        EventLoopGroup epoll = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ListenAddress address = new ListenAddress("127.0.0.1", taken.getLocalPort());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> MetricsListener.start(address,
                    epoll.next(), EpollServerSocketChannel.class, () -> null, "1"));
            assertEquals("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                    + " (metrics: in the config): Address already in use", e.getMessage());
        } finally {
            epoll.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void anUnknownHostNameIsAnErrorNamingTheAddress() {
        ListenAddress address = new ListenAddress("no-such-host.invalid", 9100);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> listen(address));
        assertEquals("cannot serve metrics on no-such-host.invalid:9100 (metrics: in the config): "
                + "cannot resolve no-such-host.invalid", e.getMessage());
    }
}
