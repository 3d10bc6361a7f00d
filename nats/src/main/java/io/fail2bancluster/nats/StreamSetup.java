package io.fail2bancluster.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.ServerInfo;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Finds the stream of a {@link StreamSpec}, creating it on first use; a stream that does not fit is an error. */
public final class StreamSetup {
    /** JetStream's "stream not found". */
    static final int STREAM_NOT_FOUND = 10059;
    /** JetStream's "stream name already in use" (with another configuration): someone created it meanwhile. */
    static final int STREAM_NAME_IN_USE = 10058;

    private StreamSetup() {
    }

    /**
     * @param timeout for each JetStream API request
     * @return the stream as it now is
     */
    public static StreamInfo ensure(Connection connection, StreamSpec spec, Duration timeout)
            throws IOException, JetStreamApiException, StreamConflictException {
        JetStreamManagement jsm = connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(timeout).build());
        StreamInfo info;
        try {
            info = jsm.getStreamInfo(spec.name());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            try {
                int replicas = spec.replicas().orElse(StreamSpec.defaultReplicas(clusterSize(connection.getServerInfo())));
                return jsm.addStream(spec.configuration(replicas));
            } catch (JetStreamApiException raced) {
                if (raced.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw raced;
                }
                info = jsm.getStreamInfo(spec.name());
            }
        }
        List<String> conflicts = spec.conflicts(info.getConfiguration());
        if (!conflicts.isEmpty()) {
            throw new StreamConflictException(spec.name(), conflicts);
        }
        return info;
    }

    /**
     * The servers of the connected server's cluster, as it advertises them to clients: its connect URLs
     * (every route's client address, its own included), or 1 outside a cluster.
     */
    static int clusterSize(ServerInfo info) {
        if (info.getCluster() == null || info.getCluster().isEmpty()) {
            return 1;
        }
        List<String> urls = info.getConnectURLs();
        return urls == null ? 1 : Math.max(1, urls.size());
    }
}
