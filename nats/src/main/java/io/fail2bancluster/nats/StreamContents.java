package io.fail2bancluster.nats;

import io.nats.client.Connection;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a stream holds now, read once from its start: the latest message per ban key (the stream keeps one per
 * subject), as a host without state catches up from it. For {@code fail2ban-cluster-client bans}, which then
 * decides with {@link CatchUp} which are bans in force. An ordered consumer, fetched in batches without waiting,
 * stops at the first message with nothing pending after it.
 */
public final class StreamContents {
    /** JetStream's "stream not found". */
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int BATCH = 10_000;

    private StreamContents() {
    }

    /**
     * @param channel the channel whose keys to read, or null for every channel
     * @param timeout for each JetStream request
     * @return the stored messages in stream order; empty when there is no stream yet
     */
    public static List<StoredMessage> read(Connection connection, String stream, String channel, Duration timeout)
            throws IOException, JetStreamApiException, InterruptedException {
        StreamInfo info;
        try {
            info = connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(timeout).build())
                    .getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        List<StoredMessage> messages = new ArrayList<>();
        if (info.getStreamState().getMsgCount() == 0) {
            return messages;
        }
        OrderedConsumerContext consumer = connection.getStreamContext(stream).createOrderedConsumer(
                new OrderedConsumerConfiguration().deliverPolicy(DeliverPolicy.All).filterSubject(
                        channel == null ? BanSubjects.streamSubjects(stream) : BanSubjects.channelSubjects(stream, channel)));
        FetchConsumeOptions batch = FetchConsumeOptions.builder().maxMessages(BATCH).noWaitExpiresIn(timeout.toMillis())
                .build();
        while (true) {
            int fetched = 0;
            long pending = -1;
            FetchConsumer fetch = consumer.fetch(batch);
            try {
                Message message;
                while ((message = fetch.nextMessage()) != null) {
                    fetched++;
                    pending = message.metaData().pendingCount();
                    StoredMessage stored = StoredMessage.of(stream, message);
                    if (stored != null) {
                        messages.add(stored);
                    }
                }
            } catch (JetStreamStatusCheckedException e) {
                throw new IOException("reading the stream: " + e.getMessage(), e);
            }
            if (fetched == 0 || pending == 0) {
                return messages;
            }
        }
    }
}
