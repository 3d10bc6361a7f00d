package io.fail2bancluster.client;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.MessageSignature;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * The announce as it will be sent: signed when the channel has a key, and held to the limits the receivers
 * apply, so the client refuses what they would drop instead of reporting "accepted" for a ban that never runs.
 * A fanout server drops a line longer than its {@code --max-line} and an agent one longer than its
 * {@code max_line} (both 64 KiB by default); an agent drops a message past {@code max_pairs},
 * {@code max_value_length} or with a control character ({@link Message#parse(String,
 * io.fail2bancluster.protocol.MessageLimits)}, the very check it runs). The limits are the client's config's,
 * or the defaults without one.
 */
final class OutgoingAnnounce {
    private OutgoingAnnounce() {
    }

    /**
     * @param key          the channel's key, or null to send it unsigned
     * @param destinations where it goes: the line length counts only where it travels as a fanout line
     * @return the announce to send
     * @throws IllegalArgumentException why it is refused, for "refused, nothing sent: ..."
     */
    static Command.Announce prepare(Command.Announce announce, SigningKey key, ClusterConfig.Limits limits,
            List<? extends Destination> destinations) {
        Command.Announce outgoing = key == null ? announce : sign(announce, key);
        String problem = Message.parse(outgoing.message(), limits.message()).refusal();
        if (problem != null) {
            throw new IllegalArgumentException("the message has " + problem + "; agents drop such a message");
        }
        // "announce CHANNEL MESSAGE" without its \n, as the broker and the agents count a line
        int lineBytes = outgoing.toBytes().length - 1;
        if (lineBytes > limits.maxLine() && carriesLines(destinations)) {
            throw new IllegalArgumentException("the line \"announce " + outgoing.channel() + " MESSAGE\" is "
                    + lineBytes + " bytes, more than max_line (" + limits.maxLine()
                    + "); fanout servers and agents drop such a line");
        }
        return outgoing;
    }

    private static Command.Announce sign(Command.Announce announce, SigningKey key) {
        String channel = announce.channel().toString();
        try {
            return new Command.Announce(channel, key.signature().append(channel, announce.message(),
                    Instant.now().getEpochSecond(), MessageSignature.newNonce(new SecureRandom())));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot sign: " + e.getMessage(), e);
        }
    }

    private static boolean carriesLines(List<? extends Destination> destinations) {
        for (Destination destination : destinations) {
            if (destination.carriesLines()) {
                return true;
            }
        }
        return false;
    }
}
