package io.fail2bancluster.nats;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The {@code Nats-Msg-Id} of a publish: JetStream stores a message once per id within the stream's
 * duplicate window, so a publish retried after a lost acknowledgement (a node died, the connection failed
 * over) is stored once.
 *
 * <p>The id is a SHA-256 over the channel, the message and a random nonce drawn once per publish call and
 * shared by all its retries and all the URLs it tries. A hash of the message alone would not do: ban,
 * unban and ban again of one address within the window are three real events with the same text, and the
 * second ban would be dropped as a duplicate, leaving the unban as the key's latest message. The nonce makes
 * every call distinct; the channel and message in the hash keep two messages of one call (a resync) apart.
 */
public final class MessageIds {
    private static final int NONCE_BYTES = 16;

    private MessageIds() {
    }

    /** A fresh nonce for one publish call. */
    public static byte[] newNonce(SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    public static String of(String channel, String message, byte[] nonce) {
        String input = channel + '\u0000' + message + '\u0000' + HexFormat.of().formatHex(nonce);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(BanSubjects.sha256(input, 16));
    }
}
