package io.fail2bancluster.nats;

import io.fail2bancluster.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The subject a message is stored under: {@code <stream>.<channel>.<key>}, three tokens.
 *
 * <ul>
 * <li>{@code <stream>} is the stream's name, so two streams on one cluster never claim the same subjects;
 * <li>{@code <channel>} is the channel as configured (letters, digits, {@code _}, {@code -}: one token);
 * <li>{@code <key>} stands for the ban key: the message's {@code jail} and {@code ip} when it has both, else
 *     the whole message. It is the first 128 bits of a SHA-256 over the key, in base64url without padding (22
 *     characters of {@code A-Z a-z 0-9 - _}): one token whatever the address looks like ({@code .} in IPv4,
 *     {@code :} in IPv6, anything at all in a jail name), and of fixed length, so no message makes a subject
 *     too long for a NATS control line.
 * </ul>
 * The stream keeps one message per subject, so a ban and its later unban (same jail, same ip) share a
 * subject and the unban replaces the ban. A fleet's failure report ({@code action=attempt}) has keys of its
 * own, per (jail, ip, source) and one of {@link #ATTEMPT_SLOTS} slots picked by the publish's message id, so
 * it never replaces a ban or an unban, and a report replaces an older one only in its slot: the stream holds
 * at most that many reports per address and host (bounded, whatever an attack sends), and a subscriber loses
 * a report only when it lags that many reports of one address from one host behind. The readable jail and
 * ip stay in the stored message itself.
 */
public final class BanSubjects {
    /**
     * On an unban, the sequence of the message it replaces on its subject (the ban, usually): a host catching
     * up runs the unban only if it had processed that message. See the agent's CatchUp.
     */
    public static final String REPLACES_HEADER = "F2bc-Replaces-Seq";
    static final int KEY_BYTES = 16;
    /** The action word of a fleet's failure report. */
    static final String ATTEMPT = "attempt";
    /** Stored reports per (jail, ip, source). */
    static final int ATTEMPT_SLOTS = 16;

    private BanSubjects() {
    }

    /** Everything the stream holds: {@code <stream>.>}. */
    public static String streamSubjects(String stream) {
        return stream + ".>";
    }

    /** Every key of one channel: {@code <stream>.<channel>.*}. */
    public static String channelSubjects(String stream, String channel) {
        return stream + "." + channel + ".*";
    }

    public static String subject(String stream, String channel, String message) {
        return subject(stream, channel, message, "");
    }

    /** @param id the publish's message id ({@link MessageIds}): a report's slot */
    public static String subject(String stream, String channel, String message, String id) {
        return stream + "." + channel + "." + keyToken(Message.parse(message), id);
    }

    /** The channel token of a stored message's subject, or null when it is not one of ours. */
    public static String channelOf(String stream, String subject) {
        int start = stream.length() + 1;
        if (!subject.startsWith(stream) || subject.length() <= start || subject.charAt(stream.length()) != '.') {
            return null;
        }
        int dot = subject.indexOf('.', start);
        return dot <= start ? null : subject.substring(start, dot);
    }

    static String keyToken(Message message, String id) {
        String jail = message.get("jail");
        String ip = message.get("ip");
        // 'k', 'a' and 'm' keep a ban's, a report's and a whole message's keys from ever hashing alike
        String key;
        if (jail == null || ip == null) {
            key = "m" + message.raw();
        } else if (ATTEMPT.equals(message.get("action"))) {
            key = "a" + jail + '\u0000' + ip + '\u0000' + message.get("source") + '\u0000'
                    + Math.floorMod(id.hashCode(), ATTEMPT_SLOTS);
        } else {
            key = "k" + jail + '\u0000' + ip;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(key, KEY_BYTES));
    }

    static byte[] sha256(String text, int bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            byte[] prefix = new byte[bytes];
            System.arraycopy(digest, 0, prefix, 0, bytes);
            return prefix;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
