package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageSignatureTest {
    /** The worked example of README's "Signed messages" section, byte for byte. */
    static final byte[] README_KEY = "correct horse battery staple".getBytes(StandardCharsets.US_ASCII);
    static final String README_SIGNED = "jail=sshd, action=banip, ip=192.0.2.7, ts=1700000000, "
            + "nonce=00112233445566778899aabbccddeeff, "
            + "sig=f13a1335f63412f0627b35fe96eed1279a97aa600795cd7fe55836e1b83e1bf2";

    @Test
    void readmeWorkedExample() {
        MessageSignature signature = new MessageSignature(README_KEY);

        String signed = signature.append("Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7", 1_700_000_000L,
                "00112233445566778899aabbccddeeff");

        assertEquals(README_SIGNED, signed);
        assertEquals("Fail2ban\njail=sshd,action=banip,ip=192.0.2.7,ts=1700000000,nonce=00112233445566778899aabbccddeeff",
                MessageSignature.canonical("Fail2ban", Message.parse(signed)));
        MessageSignature.Signed fields = assertInstanceOf(MessageSignature.Signed.class,
                MessageSignature.fields(Message.parse(signed)));
        assertEquals(1_700_000_000L, fields.epochSeconds());
        assertTrue(signature.verify("Fail2ban", Message.parse(signed), fields.signature()));
    }

    @Test
    void spacingDoesNotMatterButEveryValueAndTheChannelDo() {
        MessageSignature signature = new MessageSignature(README_KEY);
        byte[] sig = HexFormat.of().parseHex(README_SIGNED.substring(README_SIGNED.length() - 64));

        assertTrue(signature.verify("Fail2ban", Message.parse(README_SIGNED.replace(", ", ",")), sig));
        assertFalse(signature.verify("Fail2ban", Message.parse(README_SIGNED.replace("192.0.2.7", "192.0.2.8")), sig));
        assertFalse(signature.verify("Other", Message.parse(README_SIGNED), sig));
        assertFalse(new MessageSignature("another key of 16+ bytes".getBytes(StandardCharsets.US_ASCII))
                .verify("Fail2ban", Message.parse(README_SIGNED), sig));
    }

    @Test
    void shortKeysAndReservedKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MessageSignature(new byte[15]));
        MessageSignature signature = new MessageSignature(README_KEY);
        assertThrows(IllegalArgumentException.class, () -> signature.append("c", "a=1, ts=2", 1, "00112233445566778899"));
        assertThrows(IllegalArgumentException.class, () -> signature.append("c", "a=1", 1, "0011"));
        assertThrows(IllegalArgumentException.class, () -> signature.append("c", "a=1", 1, "zz112233445566778899"));
    }

    @Test
    void fieldsSortsMessagesIntoUnsignedMalformedAndSigned() {
        String sig = "sig=" + "ab".repeat(32);
        String nonce = "nonce=" + "0".repeat(16);
        assertEquals(MessageSignature.Unsigned.INSTANCE, MessageSignature.fields(Message.parse("a=1, ts=5")));
        assertMalformed("sig must be the last pair", sig + ", ts=1, " + nonce);
        assertMalformed("sig is not 64 hex characters", "ts=1, " + nonce + ", sig=abc");
        assertMalformed("sig is not 64 hex characters", "ts=1, " + nonce + ", sig=" + "xy".repeat(32));
        assertMalformed("no ts", nonce + ", " + sig);
        assertMalformed("ts is not unix seconds", "ts=-1, " + nonce + ", " + sig);
        assertMalformed("ts is not unix seconds", "ts=1234567890123, " + nonce + ", " + sig);
        assertMalformed("no nonce", "ts=1, " + sig);
        assertMalformed("nonce is not 16 to 128 hex characters", "ts=1, nonce=abc, " + sig);
        assertMalformed("sig, ts and nonce may appear only once", "ts=1, ts=2, " + nonce + ", " + sig);
        MessageSignature.Signed signed = assertInstanceOf(MessageSignature.Signed.class,
                MessageSignature.fields(Message.parse("ts=1, " + nonce + ", " + sig.toUpperCase().replace("SIG", "sig"))));
        assertArrayEquals(HexFormat.of().parseHex("ab".repeat(32)), signed.signature());
    }

    private static void assertMalformed(String reason, String message) {
        assertEquals(new MessageSignature.Malformed(reason), MessageSignature.fields(Message.parse(message)));
    }

    @Test
    void noncesAreFreshHex() {
        String nonce = MessageSignature.newNonce(new Random(1));
        assertEquals(32, nonce.length());
        assertTrue(nonce.matches("[0-9a-f]+"));
    }
}
