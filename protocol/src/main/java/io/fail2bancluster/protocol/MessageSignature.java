package io.fail2bancluster.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one definition of a signed message, shared by the client that signs and the agent that checks.
 * A signed message is an ordinary message with three pairs appended, {@code sig} last:
 * <pre>
 *   jail=sshd, action=banip, ip=192.0.2.7, ts=1700000000, nonce=00112233445566778899aabbccddeeff, sig=&lt;64 hex&gt;
 * </pre>
 * {@code sig} is the hex HMAC-SHA256 of the canonical form: the channel, {@code \n}, then every pair but
 * {@code sig} in order as {@code key=value} (as {@link Message#parse} trims them) joined by {@code ,}.
 * The channel is signed so a message cannot be moved to another channel with other actions; spaces are
 * left out so that re-spacing a message neither breaks nor changes its signature.
 *
 * <p>An instance holds one key's MAC and is not thread-safe (one per event loop, or per use).
 */
public final class MessageSignature {
    public static final String TS = "ts";
    public static final String NONCE = "nonce";
    public static final String SIG = "sig";
    /** Shorter keys are guessable; 16 bytes is 128 bits of whatever the file holds. */
    public static final int MIN_KEY_BYTES = 16;
    public static final int MIN_NONCE_CHARS = 16;
    public static final int MAX_NONCE_CHARS = 128;
    public static final int SIG_HEX_CHARS = 64;
    private static final int MAX_TS_DIGITS = 12;
    private static final String ALGORITHM = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    private final Mac mac;

    /** @throws IllegalArgumentException when the key is shorter than {@link #MIN_KEY_BYTES} */
    public MessageSignature(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("a key needs at least " + MIN_KEY_BYTES + " bytes, this one has "
                    + key.length);
        }
        try {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // Every Java runtime ships HmacSHA256.
            throw new IllegalStateException(e);
        }
    }

    /** The bytes that are signed: {@code channel \n key=value,key=value...}, every pair but {@code sig}. */
    public static String canonical(String channel, Message message) {
        StringBuilder sb = new StringBuilder(channel.length() + message.raw().length() + 1).append(channel).append('\n');
        boolean first = true;
        for (int i = 0; i < message.size(); i++) {
            if (message.keyAt(i).equals(SIG)) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(message.keyAt(i)).append('=').append(message.valueAt(i));
        }
        return sb.toString();
    }

    /** The hex signature of {@code message} (its {@code sig} pair, if any, left out). */
    public String sign(String channel, Message message) {
        return HEX.formatHex(mac(canonical(channel, message)));
    }

    /** Whether {@code signature} is this key's signature of the message, compared in constant time. */
    public boolean verify(String channel, Message message, byte[] signature) {
        return MessageDigest.isEqual(mac(canonical(channel, message)), signature);
    }

    private byte[] mac(String canonical) {
        return mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code message} with {@code ts}, {@code nonce} and {@code sig} appended, ready to announce.
     *
     * @throws IllegalArgumentException when the message already has one of those keys, or the nonce is not
     *                                  16 to 128 hex characters
     */
    public String append(String channel, String message, long epochSeconds, String nonce) {
        Message unsigned = Message.parse(message);
        for (String reserved : new String[] {TS, NONCE, SIG}) {
            if (unsigned.containsKey(reserved)) {
                throw new IllegalArgumentException("the message already has a '" + reserved
                        + "' pair; ts, nonce and sig are added by signing");
            }
        }
        if (!isNonce(nonce)) {
            throw new IllegalArgumentException("a nonce is " + MIN_NONCE_CHARS + " to " + MAX_NONCE_CHARS
                    + " hex characters");
        }
        String withNonce = message + ", " + TS + "=" + epochSeconds + ", " + NONCE + "=" + nonce;
        return withNonce + ", " + SIG + "=" + sign(channel, Message.parse(withNonce));
    }

    /** 32 random hex characters (128 bits); pass a {@link java.security.SecureRandom}. */
    public static String newNonce(Random random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /**
     * What a message says about its signature: {@link Unsigned} without a {@code sig} pair; {@link Malformed}
     * when the signature pairs are missing, repeated, misplaced or not in their format; else {@link Signed}.
     * The signature itself is not checked here.
     */
    public static Fields fields(Message message) {
        int sigCount = 0;
        int tsCount = 0;
        int nonceCount = 0;
        for (int i = 0; i < message.size(); i++) {
            switch (message.keyAt(i)) {
                case SIG -> sigCount++;
                case TS -> tsCount++;
                case NONCE -> nonceCount++;
                default -> {
                }
            }
        }
        if (sigCount == 0) {
            return Unsigned.INSTANCE;
        }
        if (sigCount > 1 || tsCount > 1 || nonceCount > 1) {
            return new Malformed("sig, ts and nonce may appear only once");
        }
        if (!message.keyAt(message.size() - 1).equals(SIG)) {
            return new Malformed("sig must be the last pair");
        }
        String sig = message.get(SIG);
        if (sig.length() != SIG_HEX_CHARS || !isHex(sig)) {
            return new Malformed("sig is not " + SIG_HEX_CHARS + " hex characters");
        }
        String ts = message.get(TS);
        if (ts == null || ts.isEmpty() || ts.length() > MAX_TS_DIGITS || !isDigits(ts)) {
            return new Malformed(ts == null ? "no ts" : "ts is not unix seconds");
        }
        String nonce = message.get(NONCE);
        if (nonce == null || !isNonce(nonce)) {
            return new Malformed(nonce == null ? "no nonce" : "nonce is not " + MIN_NONCE_CHARS + " to "
                    + MAX_NONCE_CHARS + " hex characters");
        }
        return new Signed(Long.parseLong(ts), nonce, HEX.parseHex(sig));
    }

    private static boolean isNonce(String nonce) {
        return nonce.length() >= MIN_NONCE_CHARS && nonce.length() <= MAX_NONCE_CHARS && isHex(nonce);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || s.charAt(i) > 'f') {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** See {@link #fields(Message)}. */
    public sealed interface Fields permits Unsigned, Malformed, Signed {
    }

    public enum Unsigned implements Fields {
        INSTANCE
    }

    public record Malformed(String reason) implements Fields {
    }

    /** @param signature the 32 bytes of {@code sig} */
    public record Signed(long epochSeconds, String nonce, byte[] signature) implements Fields {
    }
}
