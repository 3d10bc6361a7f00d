package io.fail2bancluster.nats;

import io.fail2bancluster.protocol.Message;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One message on its way into a cluster's stream, over as many attempts as it takes: each attempt may use
 * another connection (a node died, jnats failed over) and they all carry the same message id, so the stream
 * stores it once. The client publishing a ban and the agent delivering its outbox both go through here.
 *
 * <p>The first attempt finds or creates the stream ({@link StreamSetup}). An unban ({@code action=unbanip})
 * carries the sequence of the message it replaces on its subject ({@link BanSubjects#REPLACES_HEADER}),
 * checked by the stream as it stores it ({@code expected last subject sequence}), so a host catching up can
 * tell whether it had run the ban the unban lifts. That is one more request than a ban costs; bans, which
 * fail2ban waits for most, cost none.
 *
 * <p>Not thread-safe: one caller's thread makes the attempts, one after the other.
 */
public final class BanPublication {
    /** JetStream's "JetStream system temporarily unavailable", e.g. while its cluster has no meta leader. */
    static final int JETSTREAM_UNAVAILABLE = 10008;
    /**
     * JetStream's "no suitable peers for placement": the stream wants more servers than its meta leader
     * counts as up, as in the first seconds of a cluster or while a node rejoins.
     */
    static final int NO_SUITABLE_PEERS = 10005;
    /** JetStream's "wrong last sequence": the subject's latest message is no longer the one expected. */
    static final int WRONG_LAST_SEQUENCE = 10071;
    /** JetStream's "no message found". */
    static final int NO_MESSAGE_FOUND = 10037;
    private static final String MESSAGE_ID_HEADER = "Nats-Msg-Id";
    private static final String UNBAN = "unbanip";

    private final StreamSpec spec;
    private final String subject;
    private final String id;
    private final byte[] body;
    private final boolean unban;
    private boolean streamReady;
    /** For an unban: null until the replaced sequence is looked up (again, after another publish came first). */
    private Headers headers;
    private long replaces;

    /** What the stream did with it. */
    public record Stored(String stream, long sequence, String how) {
    }

    /**
     * @param id the message id of every attempt ({@link MessageIds})
     */
    public BanPublication(StreamSpec spec, String channel, String message, String id) {
        this.spec = spec;
        this.subject = BanSubjects.subject(spec.name(), channel, message, id);
        this.id = id;
        this.body = message.getBytes(StandardCharsets.UTF_8);
        this.unban = UNBAN.equals(Message.parse(message).get("action"));
    }

    /**
     * One attempt.
     *
     * @param timeout for each JetStream request of the attempt
     * @throws IOException             no acknowledgement (a timeout, no responders while a node fails over):
     *                                 attempt again, on this or another connection
     * @throws JetStreamApiException   refused; {@link #isTransient} says whether another attempt may pass
     * @throws StreamConflictException the stream exists with a configuration that does not fit: no attempt helps
     */
    public Stored attempt(Connection connection, Duration timeout)
            throws IOException, JetStreamApiException, StreamConflictException {
        if (!streamReady) {
            StreamSetup.ensure(connection, spec, timeout);
            streamReady = true;
        }
        if (unban && headers == null) {
            MessageInfo last = lastOnSubject(connection, timeout);
            if (last != null && id.equals(last.getHeaders() == null ? null
                    : last.getHeaders().getFirst(MESSAGE_ID_HEADER))) {
                // an earlier attempt was stored; its acknowledgement was lost
                return new Stored(spec.name(), last.getSeq(), "found on retry");
            }
            replaces = last == null ? 0 : last.getSeq();
            headers = new Headers();
            if (replaces > 0) {
                headers.add(BanSubjects.REPLACES_HEADER, Long.toString(replaces));
            }
        }
        JetStream js = connection.jetStream(JetStreamOptions.builder().requestTimeout(timeout).build());
        PublishOptions.Builder options = PublishOptions.builder().messageId(id).expectedStream(spec.name())
                .streamTimeout(timeout);
        if (replaces > 0) {
            // what the header says must still be true when the stream stores the unban
            options.expectedLastSubjectSequence(replaces);
        }
        try {
            PublishAck ack = js.publish(subject, headers, body, options.build());
            return new Stored(ack.getStream(), ack.getSeqno(), ack.isDuplicate() ? "a retry of a publish it had stored" : "");
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                // another publish for this key came first: the next attempt looks again at what the unban replaces
                headers = null;
                replaces = 0;
            }
            throw e;
        }
    }

    /**
     * A cluster electing a leader (no responders, JetStream temporarily unavailable), still counting its peers
     * in, or another publish on the key that came first: another attempt may pass.
     */
    public static boolean isTransient(JetStreamApiException e) {
        int code = e.getApiErrorCode();
        return e.getErrorCode() == 503 || code == JETSTREAM_UNAVAILABLE || code == NO_SUITABLE_PEERS
                || code == WRONG_LAST_SEQUENCE;
    }

    /** The last message stored on the subject, or null when there is none. */
    private MessageInfo lastOnSubject(Connection connection, Duration timeout) throws IOException, JetStreamApiException {
        try {
            return connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(timeout).build())
                    .getLastMessage(spec.name(), subject);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
                return null;
            }
            throw e;
        }
    }
}
