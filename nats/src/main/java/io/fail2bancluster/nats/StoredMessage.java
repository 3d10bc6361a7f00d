package io.fail2bancluster.nats;

import io.nats.client.Message;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One message as the stream delivered it: where it stands, when the stream stored it, and what it says.
 *
 * @param sequence          its stream sequence (positions are these)
 * @param stored            when the stream stored it: a ban's {@code bantime} counts from here, not from
 *                          when this host happens to read it
 * @param channel           from its subject (see {@link BanSubjects})
 * @param message           the text as published
 * @param replacedSequence  the sequence of the message this one replaced on its subject, when the publisher
 *                          said ({@link BanSubjects#REPLACES_HEADER}); lets an unban tell whether this
 *                          host processed the ban before it
 */
public record StoredMessage(long sequence, Instant stored, String channel, String message,
                            OptionalLong replacedSequence) {
    public StoredMessage {
        Objects.requireNonNull(stored, "stored");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(replacedSequence, "replacedSequence");
        if (sequence < 1) {
            throw new IllegalArgumentException("stream sequences start at 1, got " + sequence);
        }
    }

    /**
     * A message a JetStream consumer delivered from {@code stream}, as the catch-up and {@code bans} read it;
     * null for a subject that is none of ours.
     */
    public static StoredMessage of(String stream, Message message) {
        String channel = BanSubjects.channelOf(stream, message.getSubject());
        if (channel == null) {
            return null;
        }
        NatsJetStreamMetaData meta = message.metaData();
        OptionalLong replaced = OptionalLong.empty();
        if (message.getHeaders() != null) {
            String value = message.getHeaders().getFirst(BanSubjects.REPLACES_HEADER);
            if (value != null) {
                try {
                    replaced = OptionalLong.of(Long.parseLong(value.trim()));
                } catch (NumberFormatException e) {
                    // a header we did not write: as if absent (the unban then runs, which is harmless)
                }
            }
        }
        byte[] data = message.getData();
        return new StoredMessage(meta.streamSequence(), meta.timestamp().toInstant(), channel,
                data == null ? "" : new String(data, StandardCharsets.UTF_8), replaced);
    }
}
