package io.fail2bancluster.agent.nats;

import io.fail2bancluster.nats.BanSubjects;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One message as the stream delivered it: where it stands, when the stream stored it, and what it says.
 *
 * @param sequence          its stream sequence (positions are these)
 * @param stored            when the stream stored it: a ban's {@code bantime} counts from here, not from
 *                          when this host happens to read it
 * @param channel           from its subject (see {@code BanSubjects})
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
}
