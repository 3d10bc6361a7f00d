package io.fail2bancluster.agent.nats;

import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.BanPublication;
import io.fail2bancluster.nats.NatsConnections;
import io.fail2bancluster.nats.StreamConflictException;
import io.fail2bancluster.nats.StreamSetup;
import io.fail2bancluster.nats.StreamSpec;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamInfo;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Duration;

/**
 * The {@link ClusterClient} over jnats for one {@code nats:} entry. Its URLs, auth and TLS come from
 * {@link NatsConnections}. Once connected, jnats reconnects by itself between the URLs, without end, waiting
 * {@code reconnect_min} between rounds.
 */
public final class JnatsClusterClient implements ClusterClient {
    /** For the connect to each URL and for each JetStream request. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final NatsServerConfig config;
    private final Duration reconnectWait;

    public JnatsClusterClient(NatsServerConfig config, Duration reconnectWait) {
        this.config = config;
        this.reconnectWait = reconnectWait;
    }

    @Override
    public Session connect(Events events) throws IOException, InterruptedException {
        Options options = NatsConnections.options(config, REQUEST_TIMEOUT, new NatsConnections.Quiet())
                .maxReconnects(-1)
                .reconnectWait(reconnectWait)
                .connectionListener(follower(events))
                .build();
        return new JnatsSession(Nats.connect(options));
    }

    private static ConnectionListener follower(Events events) {
        return (connection, event) -> {
            switch (event) {
                case DISCONNECTED -> events.disconnected();
                case RECONNECTED -> events.reconnected();
                default -> {
                }
            }
        };
    }

    private final class JnatsSession implements Session {
        private final Connection connection;
        private final StreamSpec spec = new StreamSpec(config.stream(), config.retention(), config.replicas());

        JnatsSession(Connection connection) {
            this.connection = connection;
        }

        @Override
        public StreamState stream() throws IOException, JetStreamApiException, StreamConflictException {
            StreamInfo info = StreamSetup.ensure(connection, spec, REQUEST_TIMEOUT);
            return new StreamState(info.getCreateTime().toInstant(), info.getStreamState().getLastSequence());
        }

        @Override
        public String clusterName() {
            return connection.getServerInfo().getCluster();
        }

        @Override
        public String connectedUrl() {
            return connection.getConnectedUrl();
        }

        @Override
        public Reading subscribe(long startSequence, int window, EventLoop loop, StreamSubscriber.Handler handler)
                throws IOException, JetStreamApiException {
            return StreamSubscriber.start(connection, config.stream(), startSequence, loop, window, handler);
        }

        @Override
        public boolean isConnected() {
            return connection.getStatus() == Connection.Status.CONNECTED;
        }

        @Override
        public BanPublication.Stored publish(StreamSpec stream, String channel, String message, String id,
                                             Duration timeout)
                throws IOException, JetStreamApiException, StreamConflictException {
            // one publication per attempt: after a failure the stream is looked up again
            return new BanPublication(stream, channel, message, id).attempt(connection, timeout);
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
