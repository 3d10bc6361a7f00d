package io.fail2bancluster.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The words of a command line, for the encoding ({@link Command#toBytes()}) and the decoding
 * ({@link CommandDecoder}) alike: {@code <verb>[ <channel>[ <message>]]\n}.
 */
final class Grammar {
    static final byte[] PING = ascii("ping");
    static final byte[] INFO = ascii("info");
    static final byte[] ANNOUNCE = ascii("announce");
    static final byte[] SUBSCRIBE = ascii("subscribe");
    static final byte[] UNSUBSCRIBE = ascii("unsubscribe");

    private Grammar() {
    }

    /** One command line; {@code channel} and {@code message} may be null (left out, with their space). */
    static byte[] line(byte[] verb, byte[] channel, byte[] message) {
        int length = verb.length + (channel != null ? 1 + channel.length : 0) + (message != null ? 1 + message.length : 0);
        byte[] line = new byte[length + 1];
        int at = put(line, 0, verb);
        if (channel != null) {
            line[at++] = ' ';
            at = put(line, at, channel);
        }
        if (message != null) {
            line[at++] = ' ';
            at = put(line, at, message);
        }
        line[at] = '\n';
        return line;
    }

    private static int put(byte[] line, int at, byte[] part) {
        System.arraycopy(part, 0, line, at, part.length);
        return at + part.length;
    }

    private static byte[] ascii(String word) {
        return word.getBytes(StandardCharsets.US_ASCII);
    }
}
